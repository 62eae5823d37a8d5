using System.Buffers.Binary;
using VirtualIp.Addressing;

namespace VirtualIp.Frames;

internal ref partial struct FrameWriter
{
    public void WriteEthernetHeader(MacAddress destination, MacAddress source, ushort etherType, VlanTag? vlan)
    {
        WriteMac(destination);
        WriteMac(source);
        if (vlan is { } tag)
        {
            WriteUInt16(EtherType.Vlan);
            WriteUInt16(tag.ControlInformation);
        }

        WriteUInt16(etherType);
    }

    /// <summary>Writes a 20-byte IPv4 header (no options) with its checksum.</summary>
    public void WriteIPv4Header(scoped ReadOnlySpan<byte> source, scoped ReadOnlySpan<byte> destination, byte protocol, int payloadLength,
        byte ttl, byte typeOfService, ushort identification, bool dontFragment)
    {
        Span<byte> h = Reserve(IPv4.MinHeaderLength);
        h[0] = 0x45;
        h[1] = typeOfService;
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)(IPv4.MinHeaderLength + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(h[6..], dontFragment ? (ushort)0x4000 : (ushort)0);
        h[8] = ttl;
        h[9] = protocol;
        h[10] = 0;
        h[11] = 0;
        source.CopyTo(h[12..]);
        destination.CopyTo(h[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(h[10..], InternetChecksum.Compute(h));
    }

    /// <summary>Writes a 40-byte IPv6 header.</summary>
    public void WriteIPv6Header(scoped ReadOnlySpan<byte> source, scoped ReadOnlySpan<byte> destination, byte nextHeader, int payloadLength,
        byte hopLimit, byte trafficClass, uint flowLabel)
    {
        WriteUInt32((6u << 28) | ((uint)trafficClass << 20) | (flowLabel & 0xFFFFF));
        WriteUInt16((ushort)payloadLength);
        WriteByte(nextHeader);
        WriteByte(hopLimit);
        WriteBytes(source);
        WriteBytes(destination);
    }
}
