using System.Net;

namespace VirtualIp.Vrrp;

/// <summary>
/// Who this router believes is master: address, advertised priority and when it last advertised (RFC 9568's
/// "remember the master", plus what the hardening needs to tell the master from a second or stale one). Used under the
/// router's lock; allocation-free except <see cref="ToIPAddress"/>.
/// </summary>
internal sealed class VrrpMasterRecord
{
    private readonly byte[] _address = new byte[16];
    private int _length;
    private byte _priority;
    private long _lastAdvert;

    /// <summary>Records <paramref name="source"/> (or this node's own address) as master at <paramref name="now"/>.</summary>
    public void Remember(ReadOnlySpan<byte> source, byte priority, long now)
    {
        int n = Math.Min(source.Length, _address.Length);
        source[..n].CopyTo(_address);
        _length = n;
        _priority = priority;
        _lastAdvert = now;
    }

    /// <summary>The advert came from the master we follow (never true for our own address).</summary>
    public bool IsCurrent(ReadOnlySpan<byte> source, ReadOnlySpan<byte> local) =>
        _length == source.Length && source.SequenceEqual(_address.AsSpan(0, _length)) && !source.SequenceEqual(local);

    /// <summary>A master other than this node is known and has advertised within <paramref name="masterDownTicks"/>.</summary>
    public bool IsLive(ReadOnlySpan<byte> local, long now, long masterDownTicks) =>
        _length > 0 && !_address.AsSpan(0, _length).SequenceEqual(local) && now - _lastAdvert < masterDownTicks;

    /// <summary>RFC 9568 6.4.3's comparison, against the master we follow: higher priority, or equal and higher address.</summary>
    public bool IsBeatenBy(byte priority, ReadOnlySpan<byte> source) =>
        priority > _priority || (priority == _priority && source.SequenceCompareTo(_address.AsSpan(0, _length)) > 0);

    /// <summary>The master's address, or null when none is known.</summary>
    public IPAddress? ToIPAddress() => _length is 4 or 16 ? new IPAddress(_address.AsSpan(0, _length)) : null;
}
