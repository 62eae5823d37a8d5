using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Health.Probes;

/// <summary>Healthy when a TCP connection to the endpoint completes (then it is closed at once).</summary>
internal sealed class TcpProbe : IHealthProbe
{
    private readonly EndPoint _endPoint;

    public TcpProbe(EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        _endPoint = endPoint;
    }

    public EndPoint EndPoint => _endPoint;

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var family = _endPoint.AddressFamily == AddressFamily.Unspecified ? AddressFamily.InterNetworkV6 : _endPoint.AddressFamily;
        using var socket = family == AddressFamily.InterNetworkV6 && _endPoint is DnsEndPoint
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        try
        {
            await socket.ConnectAsync(_endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            return ProbeResult.Failure(ProbeErrors.ReasonFor(ex.SocketErrorCode));
        }

        // Close with RST-free shutdown; a listener sees a normal connect + close.
        return ProbeResult.Success;
    }

    public override string ToString() => _endPoint is DnsEndPoint dns
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"tcp://{dns.Host}:{dns.Port}")
        : $"tcp://{_endPoint}";
}
