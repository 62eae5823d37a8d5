using System.Buffers.Binary;
using System.Net;
using VirtualIp.Addressing;

namespace VirtualIp.IntegrationTests.Linux;

/// <summary>
/// TEST-ONLY stand-in for the VirtualIp.Frames writers (being written in parallel): just the two announcement
/// frames the Linux integration tests need. The lead will switch the tests to the real writers and delete this.
/// </summary>
internal static class TestFrames
{
    /// <summary>Gratuitous ARP, request form: who-has VIP tell VIP, from <paramref name="mac"/> to broadcast (42 bytes).</summary>
    public static byte[] GratuitousArp(MacAddress mac, IPAddress vip)
    {
        var f = new byte[42];
        MacAddress.Broadcast.WriteTo(f);
        mac.WriteTo(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0806);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14), 1);      // htype Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(16), 0x0800); // ptype IPv4
        f[18] = 6;
        f[19] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(20), 1);      // request
        mac.WriteTo(f.AsSpan(22));
        vip.TryWriteBytes(f.AsSpan(28), out _);
        // tha stays zero
        vip.TryWriteBytes(f.AsSpan(38), out _);
        return f;
    }

    /// <summary>Unsolicited Neighbor Advertisement (Override set) for <paramref name="target"/> to ff02::1 (86 bytes).</summary>
    public static byte[] UnsolicitedNa(MacAddress mac, IPAddress linkLocalSource, IPAddress target)
    {
        var f = new byte[86];
        var dst = IPAddress.Parse("ff02::1");
        MacAddress.Parse("33:33:00:00:00:01").WriteTo(f);
        mac.WriteTo(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x86dd);
        var ip = f.AsSpan(14);
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], 32); // payload length
        ip[6] = 58;                                          // ICMPv6
        ip[7] = 255;                                         // hop limit
        linkLocalSource.TryWriteBytes(ip[8..], out _);
        dst.TryWriteBytes(ip[24..], out _);
        var icmp = f.AsSpan(54);
        icmp[0] = 136;                                       // Neighbor Advertisement
        icmp[4] = 0x20;                                      // Override
        target.TryWriteBytes(icmp[8..], out _);
        icmp[24] = 2;                                        // Target Link-Layer Address option
        icmp[25] = 1;
        mac.WriteTo(icmp[26..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(ip[8..24], ip[24..40], icmp[..32]));
        return f;
    }

    private static ushort Checksum(ReadOnlySpan<byte> src, ReadOnlySpan<byte> dst, ReadOnlySpan<byte> icmp)
    {
        uint sum = 0;
        static uint Add(uint s, ReadOnlySpan<byte> d)
        {
            for (int i = 0; i + 1 < d.Length; i += 2)
            {
                s += BinaryPrimitives.ReadUInt16BigEndian(d[i..]);
            }

            return s;
        }

        sum = Add(sum, src);
        sum = Add(sum, dst);
        sum += (uint)icmp.Length;
        sum += 58;
        sum = Add(sum, icmp);
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
