namespace VirtualIp.Vrrp.Auth;

/// <summary>
/// Per-sender anti-replay state: the highest verified sequence of each source address, in a fixed table with
/// least-recently-used eviction (keepalived keeps 4 slots for multicast; unicast routers get one per peer).
/// Only touched after the HMAC verified, so forged sources cannot churn it. Allocation-free; not thread-safe
/// (the router's lock guards it).
/// </summary>
internal sealed class VrrpReplayTable
{
    /// <summary>keepalived's multicast sender slots: legitimate concurrent senders per VRID only occur during contention.</summary>
    public const int MulticastSenders = 4;

    private readonly byte[] _addresses;
    private readonly int _addressLength;
    private readonly ulong[] _sequences;
    private readonly bool[] _valid;
    private readonly uint[] _lastUsed; // 0 = empty
    private uint _clock;

    public VrrpReplayTable(int slots, bool isIPv6)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _addressLength = isIPv6 ? 16 : 4;
        _addresses = new byte[slots * _addressLength];
        _sequences = new ulong[slots];
        _valid = new bool[slots];
        _lastUsed = new uint[slots];
    }

    /// <summary>
    /// Accepts <paramref name="sequence"/> from <paramref name="source"/> when it is after the sender's mark (RFC 1982
    /// serial arithmetic on 64 bits), and raises the mark. With <paramref name="windowSeconds"/> &gt; 0 a mark older or
    /// newer than the window (against <paramref name="nowSeconds"/>) is forgotten first, so a sender restarted after a
    /// clock step recovers.
    /// </summary>
    public bool TryAccept(ReadOnlySpan<byte> source, ulong sequence, int windowSeconds, uint nowSeconds)
    {
        int slot = Find(source);
        if (_valid[slot] && windowSeconds > 0)
        {
            int age = (int)(nowSeconds - (uint)(_sequences[slot] >> 32));
            if (age > windowSeconds || age < -windowSeconds)
            {
                _valid[slot] = false;
            }
        }

        if (_valid[slot] && (long)(sequence - _sequences[slot]) <= 0)
        {
            return false;
        }

        _valid[slot] = true;
        _sequences[slot] = sequence;
        return true;
    }

    private int Find(ReadOnlySpan<byte> source)
    {
        int victim = 0;
        for (int i = 0; i < _lastUsed.Length; i++)
        {
            if (_lastUsed[i] != 0 && source.SequenceEqual(_addresses.AsSpan(i * _addressLength, _addressLength)))
            {
                _lastUsed[i] = Tick();
                return i;
            }

            if (_lastUsed[i] < _lastUsed[victim])
            {
                victim = i;
            }
        }

        int n = Math.Min(source.Length, _addressLength);
        var dest = _addresses.AsSpan(victim * _addressLength, _addressLength);
        dest.Clear();
        source[..n].CopyTo(dest);
        _valid[victim] = false;
        _lastUsed[victim] = Tick();
        return victim;
    }

    private uint Tick()
    {
        if (++_clock == 0)
        {
            _clock = 1;
        }

        return _clock;
    }
}
