namespace VirtualIp.Balancing;

/// <summary>
/// Abuse limits of a UDP forwarder (<see cref="ForwarderOptions.Protocol"/> = <see cref="ForwarderProtocol.Udp"/>).
/// Every new client address (IP and port) opens a session: one connected socket to a backend, no buffer of its own.
/// The whole table is capped by <see cref="ForwarderOptions.MaxConnections"/> (sessions), each source IP by
/// <see cref="MaxSessionsPerSource"/>, and optionally the rate at which one source IP may open sessions. A datagram
/// that would need a session beyond a limit is dropped and counted (<c>virtualip.forwarder.refused</c>, by
/// <c>reason</c>); sessions already open are never evicted to make room. Sessions end after
/// <see cref="ForwarderOptions.UdpIdleTimeout"/> without traffic.
/// </summary>
public sealed class ForwarderUdpOptions
{
    /// <summary>Most sessions one source IP address may hold at once (any ports), 1 or more. Default 1,000.</summary>
    public int MaxSessionsPerSource { get; set; } = 1_000;

    /// <summary>
    /// New sessions one source IP address may open per second (a token bucket holding one second's worth, at least 1);
    /// 0 (default) turns the rate limit off. Clients behind one NAT share a source address: size it for them.
    /// </summary>
    public double NewSessionsPerSecondPerSource { get; set; }

    internal void Validate(List<string> errors)
    {
        const string P = nameof(ForwarderOptions.Udp) + ".";
        if (MaxSessionsPerSource < 1)
        {
            errors.Add($"{P}{nameof(MaxSessionsPerSource)} {MaxSessionsPerSource} must be at least 1.");
        }

        if (!(NewSessionsPerSecondPerSource >= 0 && NewSessionsPerSecondPerSource <= 1_000_000))
        {
            errors.Add($"{P}{nameof(NewSessionsPerSecondPerSource)} {NewSessionsPerSecondPerSource} is not 0 (off) to 1000000.");
        }
    }
}
