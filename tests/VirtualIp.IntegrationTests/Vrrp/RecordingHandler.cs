using System.Collections.Concurrent;
using System.Net;
using VirtualIp.Election;

namespace VirtualIp.IntegrationTests.Vrrp;

/// <summary>A received packet copied out of the transport's buffers.</summary>
internal sealed record ReceivedCopy(byte[] Payload, IPAddress Source, IPAddress Destination, byte Ttl, bool IsIPv6, bool ChecksumVerified);

/// <summary>Copies every packet into a queue the test can wait on.</summary>
internal sealed class RecordingHandler : IVrrpPacketHandler
{
    private readonly BlockingCollection<ReceivedCopy> _packets = new();

    public void OnPacket(in VrrpReceivedPacket packet) =>
        _packets.Add(new ReceivedCopy(packet.Payload.ToArray(), new IPAddress(packet.SourceAddress), new IPAddress(packet.DestinationAddress),
            packet.Ttl, packet.IsIPv6, packet.ChecksumVerified));

    /// <summary>The next packet matching <paramref name="predicate"/>, or null after <paramref name="timeout"/>.</summary>
    public ReceivedCopy? WaitFor(Func<ReceivedCopy, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !_packets.TryTake(out var p, left))
            {
                return null;
            }

            if (predicate(p))
            {
                return p;
            }
        }
    }
}

/// <summary>Counts packets without allocating (for the allocation tests).</summary>
internal sealed class CountingHandler : IVrrpPacketHandler
{
    public int Count;
    public int LastLength;
    public byte LastTtl;

    public void OnPacket(in VrrpReceivedPacket packet)
    {
        Count++;
        LastLength = packet.Payload.Length;
        LastTtl = packet.Ttl;
    }
}

/// <summary>Hand-built VRRP payloads (the codec is written elsewhere; these tests stay independent of it).</summary>
internal static class VrrpBytes
{
    /// <summary>VRRPv3 advert (type 1) with one address, checksum over the pseudo-header when IPv4 addresses are given.</summary>
    public static byte[] V3Advert(byte vrid, byte priority, ushort intervalCentiseconds, byte[] address, byte[]? source = null, byte[]? destination = null)
    {
        var p = new byte[8 + address.Length];
        p[0] = 0x31;
        p[1] = vrid;
        p[2] = priority;
        p[3] = 1;
        p[4] = (byte)((intervalCentiseconds >> 8) & 0x0F);
        p[5] = (byte)intervalCentiseconds;
        address.CopyTo(p, 8);
        if (source is not null && destination is not null)
        {
            var sum = Checksum(p, source, destination);
            p[6] = (byte)(sum >> 8);
            p[7] = (byte)sum;
        }

        return p;
    }

    /// <summary>Internet checksum over the pseudo-header (src, dst, zero, protocol 112, length) + payload.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        uint sum = 0;
        void Add(ReadOnlySpan<byte> b, ref uint s)
        {
            for (var i = 0; i < b.Length; i += 2)
            {
                s += (uint)(b[i] << 8 | (i + 1 < b.Length ? b[i + 1] : 0));
            }
        }

        Add(source, ref sum);
        Add(destination, ref sum);
        if (source.Length == 16)
        {
            sum += (uint)(payload.Length >> 16) + (uint)(payload.Length & 0xFFFF) + 112;
        }
        else
        {
            sum += 112 + (uint)payload.Length;
        }

        Add(payload, ref sum);
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
