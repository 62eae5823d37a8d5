using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using VirtualIp.Balancing.Interop;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding.Epoll;

/// <summary>
/// Linux <c>struct sockaddr_in</c> / <c>sockaddr_in6</c> in bytes: written once per backend (cached by
/// <see cref="Backend"/>), read from <c>accept4</c> into an address without allocating when it repeats.
/// </summary>
internal static class SockAddr
{
    /// <summary>Size of <c>struct sockaddr_in6</c>, the larger of the two.</summary>
    public const int MaxSize = 28;

    private static readonly ConditionalWeakTable<Backend, byte[]> s_backends = new();

    /// <summary>The backend's sockaddr bytes (built on first use, then cached for the backend's lifetime).</summary>
    public static byte[] Of(Backend backend)
    {
        if (s_backends.TryGetValue(backend, out var sa))
        {
            return sa;
        }

        var ep = (IPEndPoint)backend.EndPoint;
        sa = new byte[ep.AddressFamily == AddressFamily.InterNetworkV6 ? MaxSize : 16];
        Write(ep, sa);
        s_backends.AddOrUpdate(backend, sa);
        return sa;
    }

    /// <summary>Writes <paramref name="ep"/> as a sockaddr (host-order family, network-order port).</summary>
    public static void Write(IPEndPoint ep, Span<byte> dest)
    {
        dest.Clear();
        bool v6 = ep.AddressFamily == AddressFamily.InterNetworkV6;
        BinaryPrimitives.WriteUInt16LittleEndian(dest, (ushort)(v6 ? LibC.AF_INET6 : LibC.AF_INET));
        BinaryPrimitives.WriteUInt16BigEndian(dest[2..], (ushort)ep.Port);
        if (v6)
        {
            ep.Address.TryWriteBytes(dest.Slice(8, 16), out _);
            BinaryPrimitives.WriteUInt32LittleEndian(dest[24..], (uint)ep.Address.ScopeId);
        }
        else
        {
            ep.Address.TryWriteBytes(dest.Slice(4, 4), out _);
        }
    }

    /// <summary>
    /// The address of <paramref name="sa"/>: <paramref name="cached"/> when it holds the same bytes (no allocation),
    /// else a new <see cref="IPAddress"/>. Null for a family other than IPv4/IPv6.
    /// </summary>
    public static IPAddress? ReadAddress(ReadOnlySpan<byte> sa, IPAddress? cached, out int port)
    {
        port = BinaryPrimitives.ReadUInt16BigEndian(sa[2..]);
        int family = BinaryPrimitives.ReadUInt16LittleEndian(sa);
        ReadOnlySpan<byte> bytes;
        long scope = 0;
        if (family == LibC.AF_INET)
        {
            bytes = sa.Slice(4, 4);
        }
        else if (family == LibC.AF_INET6)
        {
            bytes = sa.Slice(8, 16);
            scope = BinaryPrimitives.ReadUInt32LittleEndian(sa[24..]);
        }
        else
        {
            return null;
        }

        if (cached is not null && Same(cached, bytes, scope))
        {
            return cached;
        }

        return bytes.Length == 4 ? new IPAddress(bytes) : new IPAddress(bytes, scope);
    }

    private static bool Same(IPAddress a, ReadOnlySpan<byte> bytes, long scope)
    {
        Span<byte> mine = stackalloc byte[16];
        return a.TryWriteBytes(mine, out int n) && n == bytes.Length && mine[..n].SequenceEqual(bytes)
            && (n == 4 || a.ScopeId == scope);
    }
}
