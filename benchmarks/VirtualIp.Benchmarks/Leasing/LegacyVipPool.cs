using System.Net;
using System.Net.Sockets;
using System.Numerics;
using VirtualIp.Addressing;
using VirtualIp.Pools;

namespace VirtualIp.Benchmarks.Leasing;

/// <summary>
/// The in-memory pool as it was before the lease stores (2026-12-04), kept as the in-run baseline: it scans the ranges
/// and the holder history on every acquisition.
/// Allocates dynamic VIPs from address ranges with time-limited leases (the "dynamic" VIP kind).
/// Leases are renewed by their holder; expired leases return to the pool after a grace period, and a holder
/// asking again gets the address it had before (sticky), so clients' caches stay valid across restarts.
/// Thread-safe; all time through <see cref="TimeProvider"/>.
/// </summary>
internal sealed class LegacyVipPool
{
    private readonly Lock _gate = new();
    private readonly List<(UInt128 First, UInt128 Last)> _ranges = [];
    private readonly HashSet<UInt128> _reserved = [];
    private readonly Dictionary<UInt128, VipLease> _byAddress = [];
    private readonly Dictionary<string, UInt128> _byHolder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UInt128> _lastAddress = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly bool _ipv6;

    /// <summary>Creates a pool from its options.</summary>
    /// <exception cref="ArgumentException">A range is malformed, mixes families or is reversed; the message names it.</exception>
    public LegacyVipPool(VipPoolOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = timeProvider ?? TimeProvider.System;
        Options = options;
        if (options.Ranges.Count == 0)
        {
            throw new ArgumentException($"Pool '{options.Name}' has no ranges.", nameof(options));
        }

        if (options.LeaseDuration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LeaseDuration, $"Pool '{options.Name}': LeaseDuration must be positive.");
        }

        bool? v6 = null;
        foreach (var text in options.Ranges)
        {
            var (first, last, isV6) = ParseRange(text, options.Name);
            if (v6 is not null && v6 != isV6)
            {
                throw new ArgumentException($"Pool '{options.Name}': range '{text}' mixes IPv4 and IPv6.", nameof(options));
            }

            v6 = isV6;
            _ranges.Add((first, last));
        }

        _ipv6 = v6!.Value;
        foreach (var r in options.Reserved)
        {
            if (!IPAddress.TryParse(r, out var a))
            {
                throw new ArgumentException($"Pool '{options.Name}': reserved address '{r}' is not an IP address.", nameof(options));
            }

            _reserved.Add(ToNumber(a));
        }
    }

    /// <summary>The pool's options.</summary>
    public VipPoolOptions Options { get; }

    /// <summary>Addresses in the pool, minus reserved ones.</summary>
    public long Capacity
    {
        get
        {
            UInt128 n = 0;
            foreach (var (f, l) in _ranges)
            {
                n += l - f + 1;
            }

            return (long)UInt128.Min(n - (UInt128)_reserved.Count, long.MaxValue);
        }
    }

    /// <summary>Leases currently held (expired ones are not counted).</summary>
    public int ActiveLeases
    {
        get
        {
            lock (_gate)
            {
                ExpireLocked();
                return _byAddress.Count;
            }
        }
    }

    /// <summary>
    /// Leases an address to <paramref name="holder"/> (a service or node name). A holder that already has a lease
    /// gets it back renewed; a holder that had one before gets the same address if it is free.
    /// </summary>
    /// <returns>The lease, or null when the pool is exhausted.</returns>
    public VipLease? Acquire(string holder)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        lock (_gate)
        {
            ExpireLocked();
            if (_byHolder.TryGetValue(holder, out var current))
            {
                return RenewLocked(current);
            }

            if (_lastAddress.TryGetValue(holder, out var previous) && !_byAddress.ContainsKey(previous) && !_reserved.Contains(previous))
            {
                return GrantLocked(holder, previous);
            }

            foreach (var (first, last) in _ranges)
            {
                for (var n = first; ; n++)
                {
                    if (!_byAddress.ContainsKey(n) && !_reserved.Contains(n) && !IsRememberedByOther(n, holder))
                    {
                        return GrantLocked(holder, n);
                    }

                    if (n == last)
                    {
                        break;
                    }
                }
            }

            // Last resort: take an address another holder had before but no longer leases.
            foreach (var (first, last) in _ranges)
            {
                for (var n = first; ; n++)
                {
                    if (!_byAddress.ContainsKey(n) && !_reserved.Contains(n))
                    {
                        return GrantLocked(holder, n);
                    }

                    if (n == last)
                    {
                        break;
                    }
                }
            }

            return null;
        }
    }

    /// <summary>Renews the lease of <paramref name="holder"/>; returns null if it has none (it expired).</summary>
    public VipLease? Renew(string holder)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        lock (_gate)
        {
            ExpireLocked();
            return _byHolder.TryGetValue(holder, out var n) ? RenewLocked(n) : null;
        }
    }

    /// <summary>Releases the lease of <paramref name="holder"/>. Returns false if it had none.</summary>
    public bool Release(string holder)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        lock (_gate)
        {
            if (!_byHolder.Remove(holder, out var n))
            {
                return false;
            }

            _byAddress.Remove(n);
            return true;
        }
    }

    /// <summary>The lease on <paramref name="address"/>, if any.</summary>
    public VipLease? Find(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        lock (_gate)
        {
            ExpireLocked();
            return _byAddress.TryGetValue(ToNumber(address), out var lease) ? lease : null;
        }
    }

    private bool IsRememberedByOther(UInt128 n, string holder)
    {
        foreach (var (h, a) in _lastAddress)
        {
            if (a == n && h != holder)
            {
                return true;
            }
        }

        return false;
    }

    private VipLease GrantLocked(string holder, UInt128 n)
    {
        var now = _time.GetUtcNow();
        var lease = new VipLease(holder, new VipAddress(ToAddress(n), Options.PrefixLength ?? (_ipv6 ? 128 : 32)), now, now + Options.LeaseDuration);
        _byAddress[n] = lease;
        _byHolder[holder] = n;
        _lastAddress[holder] = n;
        return lease;
    }

    private VipLease RenewLocked(UInt128 n)
    {
        var old = _byAddress[n];
        var renewed = old with { ExpiresAt = _time.GetUtcNow() + Options.LeaseDuration };
        _byAddress[n] = renewed;
        return renewed;
    }

    private void ExpireLocked()
    {
        var cutoff = _time.GetUtcNow() - Options.ExpiryGrace;
        List<UInt128>? expired = null;
        foreach (var (n, lease) in _byAddress)
        {
            if (lease.ExpiresAt <= cutoff)
            {
                (expired ??= []).Add(n);
            }
        }

        if (expired is null)
        {
            return;
        }

        foreach (var n in expired)
        {
            _byHolder.Remove(_byAddress[n].Holder);
            _byAddress.Remove(n);
        }
    }

    private static (UInt128 First, UInt128 Last, bool IsV6) ParseRange(string text, string pool)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            if (!IPAddress.TryParse(text.AsSpan(0, dash).Trim(), out var a) || !IPAddress.TryParse(text.AsSpan(dash + 1).Trim(), out var b) || a.AddressFamily != b.AddressFamily)
            {
                throw new ArgumentException($"Pool '{pool}': range '{text}' is not FIRST-LAST of one family.", nameof(text));
            }

            var (f, l) = (ToNumber(a), ToNumber(b));
            if (l < f)
            {
                throw new ArgumentException($"Pool '{pool}': range '{text}' ends before it starts.", nameof(text));
            }

            return (f, l, a.AddressFamily == AddressFamily.InterNetworkV6);
        }

        if (!VipAddress.TryParse(text, out var cidr))
        {
            throw new ArgumentException($"Pool '{pool}': range '{text}' is neither CIDR nor FIRST-LAST.", nameof(text));
        }

        int bits = cidr.IsIPv6 ? 128 : 32;
        var mask = cidr.PrefixLength == 0 ? UInt128.Zero : (UInt128.MaxValue << (128 - cidr.PrefixLength)) >> (128 - bits);
        var net = ToNumber(cidr.Address) & mask;
        var hostMask = ~mask & (bits == 32 ? (UInt128)uint.MaxValue : UInt128.MaxValue);
        var first = net;
        var last = net | hostMask;
        if (!cidr.IsIPv6 && cidr.PrefixLength <= 30)
        {
            first++; // skip the network and broadcast addresses
            last--;
        }

        return (first, last, cidr.IsIPv6);
    }

    private static UInt128 ToNumber(IPAddress a)
    {
        Span<byte> b = stackalloc byte[16];
        a.TryWriteBytes(b, out int n);
        UInt128 v = 0;
        for (int i = 0; i < n; i++)
        {
            v = (v << 8) | b[i];
        }

        return v;
    }

    private IPAddress ToAddress(UInt128 v)
    {
        int n = _ipv6 ? 16 : 4;
        Span<byte> b = stackalloc byte[16];
        for (int i = n - 1; i >= 0; i--)
        {
            b[i] = (byte)(v & 0xFF);
            v >>= 8;
        }

        return new IPAddress(b[..n]);
    }
}

