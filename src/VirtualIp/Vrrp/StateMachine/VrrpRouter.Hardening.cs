using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// Hostile-input hardening of the receive path (issue 11): priority 0 only from the master, a floor on adopted
/// intervals, rate-limited replies and warnings, and router-conflict detection. Every piece is allocation-free on the
/// packet path; a conflict event allocates only when raised (at most once per source per 10 s).
/// </summary>
internal sealed partial class VrrpRouter
{
    private const int ConflictSlots = 8;

    /// <summary>Default floor of an adopted master interval: 100 ms (or the router's own interval when shorter).</summary>
    private const ushort DefaultIntervalFloorCs = 10;

    private bool _priorityZeroFromMasterOnly;
    private ushort _minIntervalCs;
    private long _lastReply;
    private readonly byte[] _conflictSources = new byte[ConflictSlots * 16];
    private readonly long[] _conflictTimes = new long[ConflictSlots];
    private int _conflictNext;
    private long _lastConflictEvent;

    /// <summary>Router conflicts detected (every offending advert, including those not raised as events because of the rate limit).</summary>
    internal long ConflictsDetected
    {
        get
        {
            lock (_gate)
            {
                return _counters.Conflicts;
            }
        }
    }

    /// <summary>The MAC this router announces its VIPs with (the VRRP virtual MAC), or null for the interface MAC.</summary>
    internal MacAddress? AnnounceMac => _announceMac;

    private void InitializeHardening(VrrpRouterConfiguration options)
    {
        _priorityZeroFromMasterOnly = options.PriorityZeroFromMasterOnly;
        ushort floor = options.MinimumAdoptedInterval is { } f
            ? (ushort)(f.Ticks / (TimeSpan.TicksPerMillisecond * 10))
            : Math.Min(_sender.IntervalCs, DefaultIntervalFloorCs);
        _minIntervalCs = Math.Max((ushort)1, floor);
    }

    private bool IsCurrentMasterLocked(ReadOnlySpan<byte> source) => _master.IsCurrent(source, _mux.LocalAddressBytes);

    /// <summary>A master other than this node is known and has advertised within Master_Down_Interval.</summary>
    private bool IsLiveMasterLocked() => _master.IsLive(_mux.LocalAddressBytes, _time.GetTimestamp(), MasterDownTicks);

    /// <summary>RFC 9568 6.4.3's comparison, against the master we follow: higher priority, or equal and higher address.</summary>
    private bool WinsAgainstMasterLocked(byte priority, ReadOnlySpan<byte> source) => _master.IsBeatenBy(priority, source);

    /// <summary>The master's advertised interval, raised to the floor (a forged 10 ms advert cannot shrink the down interval).</summary>
    private ushort AdoptIntervalLocked(ushort intervalCs) => Math.Max(intervalCs, _minIntervalCs);

    /// <summary>At most one immediate reply (an advert outside the timer) per own advert interval.</summary>
    private bool TryReplyLocked()
    {
        long now = _time.GetTimestamp();
        long spacing = _sender.IntervalCs * _frequency / 100;
        if (_lastReply != 0 && now - _lastReply < spacing)
        {
            return false;
        }

        _lastReply = now;
        return true;
    }

    /// <summary>Counts a conflict and raises <see cref="ConflictDetected"/> at most once per source per 10 s (and once a second overall).</summary>
    private void ReportConflictLocked(ReadOnlySpan<byte> source, byte priority, RouterConflictKind kind)
    {
        _counters.Conflict();
        long now = _time.GetTimestamp();
        int slot = -1;
        for (int i = 0; i < ConflictSlots; i++)
        {
            if (_conflictTimes[i] != 0 && _conflictSources.AsSpan(i * 16, source.Length).SequenceEqual(source))
            {
                slot = i;
                break;
            }
        }

        if (slot >= 0 && now - _conflictTimes[slot] < 10 * _frequency)
        {
            return;
        }

        if (_lastConflictEvent != 0 && now - _lastConflictEvent < _frequency)
        {
            return;
        }

        if (slot < 0)
        {
            slot = _conflictNext;
            _conflictNext = (_conflictNext + 1) % ConflictSlots;
            source.CopyTo(_conflictSources.AsSpan(slot * 16, source.Length));
        }

        _conflictTimes[slot] = now;
        _lastConflictEvent = now;
        var address = new IPAddress(source);
        Log.RouterConflict(_logger, _name, _vrid, address, priority, kind, _state);
        Notify(new VrrpNotification(Conflict: new RouterConflictEventArgs(_name, _vrid, address, priority, kind, _state, _time.GetUtcNow())));
    }
}
