using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// A client's source IP address (port dropped) as 16 bytes, IPv4 as IPv4-mapped IPv6, read from a
/// <see cref="SocketAddress"/> without allocating. The hash is seeded per process (<see cref="HashCode"/>), so chosen
/// source addresses cannot pile up in one bucket.
/// </summary>
internal readonly struct UdpSourceKey : IEquatable<UdpSourceKey>
{
    private readonly UInt128 _value;

    private UdpSourceKey(UInt128 value) => _value = value;

    public static UdpSourceKey From(SocketAddress address)
    {
        var raw = address.Buffer.Span;
        Span<byte> v6 = stackalloc byte[16];
        v6.Clear();
        if (address.Family == AddressFamily.InterNetwork)
        {
            // sockaddr_in: family (2), port (2), address (4)
            v6[10] = 0xff;
            v6[11] = 0xff;
            raw.Slice(4, 4).CopyTo(v6[12..]);
        }
        else if (address.Family == AddressFamily.InterNetworkV6)
        {
            // sockaddr_in6: family (2), port (2), flow info (4), address (16), scope (4)
            raw.Slice(8, 16).CopyTo(v6);
        }

        return new UdpSourceKey(BinaryPrimitives.ReadUInt128BigEndian(v6));
    }

    /// <summary>The address (IPv4 for IPv4-mapped keys). Allocates: only for admitted sessions and ACL checks.</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, _value);
        var ip = new IPAddress(v6);
        return ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
    }

    public bool Equals(UdpSourceKey other) => _value == other._value;

    public override bool Equals(object? obj) => obj is UdpSourceKey k && Equals(k);

    public override int GetHashCode() => HashCode.Combine((ulong)(_value >> 64), (ulong)_value);

    public override string ToString() => ToIPAddress().ToString();
}
