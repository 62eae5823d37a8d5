using System.Net;
using Microsoft.Extensions.Logging;
using VirtualIp.Addressing;

namespace VirtualIp.Announcing;

/// <summary>A VIP conflict seen by <see cref="VipConflictDetector"/>.</summary>
/// <param name="Interface">The interface.</param>
/// <param name="Address">Our VIP.</param>
/// <param name="ForeignMac">Who claimed it.</param>
/// <param name="Router">The router holding the VIP as master.</param>
/// <param name="Defended">Whether this claim was answered by re-announcing the VIP.</param>
/// <param name="Timestamp">When.</param>
internal sealed record VipConflict(string Interface, IPAddress Address, MacAddress ForeignMac, string Router, bool Defended, DateTimeOffset Timestamp);

/// <summary>
/// Continuous VIP conflict detection on one interface. While a router is master its VIPs are "held" here; an ARP reply,
/// gratuitous ARP or Neighbor Advertisement for a held VIP from a MAC that is not ours is a conflict: it is reported
/// and defended per RFC 5227 section 2.4 (b): announce the address once more, at most once per <see cref="DefendInterval"/>
/// (10 s) per VIP; a claim inside that interval is reported but not answered (no announcement war).
/// The claim path allocates nothing unless a held VIP is hit.
/// </summary>
internal sealed partial class VipConflictDetector : INeighborClaimHandler, IDisposable
{
    /// <summary>RFC 5227 DEFEND_INTERVAL.</summary>
    public static readonly TimeSpan DefendInterval = TimeSpan.FromSeconds(10);

    private readonly string _interface;
    private readonly IVipAnnouncer _announcer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<VipConflict> _report;
    private readonly Lock _gate = new();
    private readonly List<Held> _held = [];
    private MacAddress _interfaceMac;

    public VipConflictDetector(string interfaceName, MacAddress interfaceMac, IVipAnnouncer announcer, TimeProvider time, ILogger logger, Action<VipConflict> report)
    {
        _interface = interfaceName;
        _interfaceMac = interfaceMac;
        _announcer = announcer;
        _time = time;
        _logger = logger;
        _report = report;
    }

    /// <summary>Claims seen for held VIPs from foreign MACs (including those inside the defend interval).</summary>
    public long Conflicts { get; private set; }

    /// <summary>The interface MAC changed (e.g. re-read after link up).</summary>
    public void SetInterfaceMac(MacAddress mac)
    {
        lock (_gate)
        {
            _interfaceMac = mac;
        }
    }

    /// <summary>A router became master: watch its VIPs. <paramref name="announceMac"/> is the MAC it announces with (virtual MAC), if any.</summary>
    public void Hold(string router, IReadOnlyList<VipAddress> vips, MacAddress? announceMac)
    {
        lock (_gate)
        {
            foreach (var vip in vips)
            {
                if (!_held.Exists(h => h.Vip.Equals(vip)))
                {
                    _held.Add(new Held(router, vip, vip.Address.GetAddressBytes(), announceMac));
                }
            }
        }
    }

    /// <summary>A router left master: stop watching its VIPs.</summary>
    public void Release(string router)
    {
        lock (_gate)
        {
            foreach (var h in _held.Where(h => h.Router == router).ToList())
            {
                h.Defence?.Dispose();
                h.Pending?.Dispose();
                h.Pending = null;
                _held.Remove(h);
            }
        }
    }

    /// <summary>
    /// A foreign claim for a held VIP is confirmed only if the VIP is still held <see cref="ClaimGrace"/> later: in a
    /// make-before-break hand-back the new master announces just before its first advert reaches us, and we let go the
    /// moment we hear it — that is a hand-over, not a conflict, and defending it would pull clients back to a node about to
    /// drop the address.
    /// </summary>
    public static readonly TimeSpan ClaimGrace = TimeSpan.FromMilliseconds(200);

    /// <summary>Handles an ARP / NA claim seen on the interface. Allocation-free unless a held VIP is claimed by a foreign MAC.</summary>
    public void OnClaim(ReadOnlySpan<byte> address, MacAddress sender)
    {
        lock (_gate)
        {
            Held? hit = null;
            foreach (var h in _held)
            {
                if (address.SequenceEqual(h.Bytes))
                {
                    hit = h;
                    break;
                }
            }

            if (hit is null || sender == _interfaceMac || (hit.AnnounceMac is { } vmac && sender == vmac) || hit.Pending is not null)
            {
                return;
            }

            hit.PendingMac = sender;
            hit.Pending = _time.CreateTimer(static s => ((Tuple<VipConflictDetector, Held>)s!).Item1.Confirm(((Tuple<VipConflictDetector, Held>)s!).Item2),
                Tuple.Create(this, hit), ClaimGrace, Timeout.InfiniteTimeSpan);
        }
    }

    private void Confirm(Held hit)
    {
        bool defend = false;
        MacAddress sender;
        lock (_gate)
        {
            hit.Pending?.Dispose();
            hit.Pending = null;
            sender = hit.PendingMac;
            if (!_held.Contains(hit))
            {
                return; // released within the grace: a hand-over
            }

            Conflicts++;
            long now = _time.GetTimestamp();
            if (hit.LastDefence == 0 || _time.GetElapsedTime(hit.LastDefence, now) >= DefendInterval)
            {
                hit.LastDefence = now;
                defend = true;
            }
        }

        if (defend)
        {
            try
            {
                var handle = _announcer.Start(_interface, [hit.Vip], hit.AnnounceMac);
                lock (_gate)
                {
                    hit.Defence?.Dispose();
                    hit.Defence = handle;
                }
            }
#pragma warning disable CA1031 // a failed defence is logged; detection goes on
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogDefenceFailed(_logger, hit.Vip.Address, _interface, ex);
                defend = false;
            }
        }

        LogConflict(_logger, hit.Vip.Address, sender, _interface, hit.Router, defend);
        _report(new VipConflict(_interface, hit.Vip.Address, sender, hit.Router, defend, _time.GetUtcNow()));
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var h in _held)
            {
                h.Defence?.Dispose();
                h.Pending?.Dispose();
            }

            _held.Clear();
        }
    }

    [LoggerMessage(EventId = 1320, Level = LogLevel.Warning,
        Message = "VIP conflict: {Address} is claimed by {ForeignMac} on {Interface} while router {Router} is master (defended: {Defended})")]
    private static partial void LogConflict(ILogger logger, IPAddress address, MacAddress foreignMac, string @interface, string router, bool defended);

    [LoggerMessage(EventId = 1321, Level = LogLevel.Error, Message = "Defending VIP {Address} on {Interface} failed")]
    private static partial void LogDefenceFailed(ILogger logger, IPAddress address, string @interface, Exception exception);

    private sealed class Held(string router, VipAddress vip, byte[] bytes, MacAddress? announceMac)
    {
        public string Router { get; } = router;

        public VipAddress Vip { get; } = vip;

        public byte[] Bytes { get; } = bytes;

        public MacAddress? AnnounceMac { get; } = announceMac;

        public long LastDefence { get; set; }

        public IDisposable? Defence { get; set; }

        /// <summary>A claim waiting for <see cref="ClaimGrace"/> to pass, and who made it.</summary>
        public ITimer? Pending { get; set; }

        public MacAddress PendingMac { get; set; }
    }
}
