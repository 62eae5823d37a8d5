using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace VirtualIp.Health.Probes;

/// <summary>Healthy when a TCP connection to the endpoint completes (then it is closed at once).</summary>
internal sealed class TcpProbe : IHealthProbe
{
    // Abortive close (RST) like HAProxy's checks: the checker keeps no TIME_WAIT sockets however often it probes.
    private static readonly LingerOption s_abortiveClose = new(true, 0);
    private readonly EndPoint _endPoint;

    public TcpProbe(EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        _endPoint = endPoint;
    }

    public EndPoint EndPoint => _endPoint;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var family = _endPoint.AddressFamily == AddressFamily.Unspecified ? AddressFamily.InterNetworkV6 : _endPoint.AddressFamily;
        using var socket = family == AddressFamily.InterNetworkV6 && _endPoint is DnsEndPoint
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        socket.LingerState = s_abortiveClose;
        try
        {
            await socket.ConnectAsync(_endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            return ProbeResult.Failure(ProbeErrors.ReasonFor(ex.SocketErrorCode));
        }

        return ProbeResult.Success;
    }

    public override string ToString() => _endPoint is DnsEndPoint dns
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"tcp://{dns.Host}:{dns.Port}")
        : $"tcp://{_endPoint}";
}
