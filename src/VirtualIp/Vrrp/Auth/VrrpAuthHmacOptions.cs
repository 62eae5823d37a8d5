namespace VirtualIp.Vrrp;

/// <summary>
/// Authenticated adverts, wire-compatible with keepalived 2.4.3 <c>auth_hmac</c>: a 28-byte trailer after the VRRP
/// message carrying HMAC-SHA256 (truncated to 16 bytes) over a pseudo header and the message, a key id and a
/// time-based 64-bit sequence. Bound from <c>VirtualIp:Routers:N:AuthHmac</c>; validated at start.
/// </summary>
public sealed class VrrpAuthHmacOptions
{
    /// <summary>
    /// The keys, each <c>ID:hex:HEX</c> (raw bytes), <c>ID:file:PATH</c> (the file holds <c>hex:HEX</c> or the text;
    /// it must not be accessible by group or others) or <c>ID:TEXT</c> (the ASCII text is the key). ID is 1 to 255;
    /// a key is 32 to 64 bytes. Several keys allow hitless rotation (keepalived's <c>key</c>).
    /// </summary>
    public IList<string> Keys { get; set; } = new List<string>();

    /// <summary>The key id used when sending (keepalived's <c>active_key</c>); must name one of <see cref="Keys"/>.</summary>
    public int ActiveKey { get; set; }

    /// <summary>What is sent and what is accepted (default <see cref="VrrpAuthHmacMode.Enforce"/>).</summary>
    public VrrpAuthHmacMode Mode { get; set; } = VrrpAuthHmacMode.Enforce;

    /// <summary>How replays are detected (default <see cref="VrrpAntiReplay.Time"/>).</summary>
    public VrrpAntiReplay AntiReplay { get; set; } = VrrpAntiReplay.Time;

    /// <summary>
    /// <see cref="VrrpAntiReplay.Time"/> only: how far a sender's clock may be from ours, whole seconds 1 to 300.
    /// Null = max(3 x advert interval, 5 s), as keepalived.
    /// </summary>
    public TimeSpan? TimeWindow { get; set; }
}

/// <summary>keepalived's <c>auth_hmac mode</c>: the three steps of a hitless roll-out.</summary>
public enum VrrpAuthHmacMode
{
    /// <summary>Send no trailer; verify a trailer when one is present; accept adverts without one.</summary>
    ReceiveOnly,

    /// <summary>Sign every advert; verify a trailer when one is present; accept adverts without one.</summary>
    Permissive,

    /// <summary>Sign every advert; drop every advert without a valid trailer.</summary>
    Enforce,
}

/// <summary>keepalived's <c>auth_hmac anti_replay</c>.</summary>
public enum VrrpAntiReplay
{
    /// <summary>The sequence carries the sender's UTC time: it must be within the time window of ours and grow per sender.</summary>
    Time,

    /// <summary>The sequence must only grow per sender (no clock synchronisation needed).</summary>
    Monotonic,
}
