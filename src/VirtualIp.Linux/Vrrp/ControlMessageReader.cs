using System.Buffers.Binary;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// Parses the ancillary data (<c>cmsghdr</c> chain) that <c>recvmsg</c> returns on an IPv6 raw socket with
/// IPV6_RECVHOPLIMIT and IPV6_RECVPKTINFO. Layout: <c>size_t len; int level; int type;</c> then data, each
/// header and message aligned to <c>sizeof(size_t)</c>. Never throws on malformed input.
/// </summary>
internal static class ControlMessageReader
{
    /// <summary>Size of <c>struct in6_pktinfo</c>: 16-byte address + int ifindex.</summary>
    public const int In6PktInfoSize = 20;

    private static int Align(int length) => (length + nint.Size - 1) & ~(nint.Size - 1);

    /// <summary>Size of the aligned <c>cmsghdr</c> (16 on 64-bit, 12 on 32-bit).</summary>
    public static int HeaderSize => Align(nint.Size + 8);

    /// <summary>
    /// Finds IPV6_HOPLIMIT and IPV6_PKTINFO. Returns false unless both are present and well formed.
    /// </summary>
    public static bool TryReadIPv6(ReadOnlySpan<byte> control, out byte hopLimit, out ReadOnlySpan<byte> destination, out int interfaceIndex)
    {
        hopLimit = 0;
        destination = default;
        interfaceIndex = 0;
        var haveHopLimit = false;
        var havePktInfo = false;
        var headerSize = HeaderSize;
        var offset = 0;
        while (control.Length - offset >= headerSize)
        {
            var rest = control[offset..];
            var length = nint.Size == 8
                ? (long)BinaryPrimitives.ReadUInt64LittleEndian(rest)
                : BinaryPrimitives.ReadUInt32LittleEndian(rest);
            if (length < headerSize || length > rest.Length)
            {
                break;
            }

            var level = BinaryPrimitives.ReadInt32LittleEndian(rest[nint.Size..]);
            var type = BinaryPrimitives.ReadInt32LittleEndian(rest[(nint.Size + 4)..]);
            var data = rest[headerSize..(int)length];
            if (level == SocketOptions.IPPROTO_IPV6)
            {
                if (type == SocketOptions.IPV6_HOPLIMIT && data.Length >= 4)
                {
                    var value = BinaryPrimitives.ReadInt32LittleEndian(data);
                    if (value is >= 0 and <= 255)
                    {
                        hopLimit = (byte)value;
                        haveHopLimit = true;
                    }
                }
                else if (type == SocketOptions.IPV6_PKTINFO && data.Length >= In6PktInfoSize)
                {
                    destination = data[..16];
                    interfaceIndex = BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
                    havePktInfo = true;
                }
            }

            var next = Align((int)length);
            if (next <= 0 || next > rest.Length)
            {
                break;
            }

            offset += next;
        }

        return haveHopLimit && havePktInfo;
    }
}
