using System.Net;
using System.Net.NetworkInformation;

namespace VirtualIp.Health.Probes;

/// <summary>Healthy when an ICMP echo reply arrives (raw socket as root, the ping utility otherwise).</summary>
internal sealed class IcmpProbe : IHealthProbe
{
    private static readonly byte[] s_payload = new byte[32];
    private readonly string _host;
    private readonly IPAddress? _address;
    private readonly TimeSpan _timeout;

    public IcmpProbe(string host, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        _host = host;
        _address = IPAddress.TryParse(host, out var address) ? address : null;
        _timeout = timeout;
    }

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        // A Ping per call: Ping does not allow overlapping sends, and one probe instance may serve several checks.
        using var ping = new Ping();
        try
        {
            var reply = _address is not null
                ? await ping.SendPingAsync(_address, _timeout, s_payload, null, cancellationToken).ConfigureAwait(false)
                : await ping.SendPingAsync(_host, _timeout, s_payload, null, cancellationToken).ConfigureAwait(false);
            return reply.Status switch
            {
                IPStatus.Success => ProbeResult.Success,
                IPStatus.TimedOut => ProbeResult.Failure(ProbeReasons.Timeout),
                IPStatus.DestinationHostUnreachable or IPStatus.DestinationNetworkUnreachable => ProbeResult.Failure(ProbeReasons.Unreachable),
                _ => ProbeResult.Failure(ProbeReasons.NoEchoReply),
            };
        }
        catch (PingException ex)
        {
            return ProbeResult.Failure(ex.InnerException is null ? ProbeReasons.NoEchoReply : ProbeErrors.ReasonFor(ex.InnerException));
        }
    }

    public override string ToString() => $"icmp://{_host}";
}
