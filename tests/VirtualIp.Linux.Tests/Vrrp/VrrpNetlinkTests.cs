using System.Buffers.Binary;
using VirtualIp.Linux.Vrrp;
using VirtualIp.Linux.Vrrp.Interop;

namespace VirtualIp.Linux.Tests.Vrrp;

public sealed class VrrpNetlinkTests
{
    [Fact]
    public void New_macvlan_request_matches_iproute2_layout()
    {
        var buffer = new byte[256];
        var n = VrrpNetlink.WriteNewMacvlan(buffer, 7, "vrrp.51", 2, [0x00, 0x00, 0x5e, 0x00, 0x01, 0x33], VrrpNetlink.MacvlanModePrivate);
        var m = buffer.AsSpan(0, n);
        Assert.Equal((uint)n, BinaryPrimitives.ReadUInt32LittleEndian(m));
        Assert.Equal(16, BinaryPrimitives.ReadUInt16LittleEndian(m[4..])); // RTM_NEWLINK
        Assert.Equal(0x605, BinaryPrimitives.ReadUInt16LittleEndian(m[6..])); // REQUEST|ACK|EXCL|CREATE
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(m[8..]));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(m[24..])); // ifi_flags IFF_UP
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(m[28..])); // ifi_change IFF_UP

        // Attributes after nlmsghdr(16) + ifinfomsg(16): IFNAME, LINK, ADDRESS, LINKINFO{KIND, DATA{MODE}}.
        var attrs = m[32..];
        Assert.Equal([3, 5, 1, 18 | 0x8000], TopLevelTypes(attrs));
        Assert.Equal("vrrp.51\0"u8.ToArray(), Find(attrs, 3).ToArray());
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(Find(attrs, 5)));
        Assert.Equal(new byte[] { 0, 0, 0x5e, 0, 1, 0x33 }, Find(attrs, 1).ToArray());
        var linkInfo = Find(attrs, 18 | 0x8000);
        Assert.Equal("macvlan\0"u8.ToArray(), Find(linkInfo, 1).ToArray());
        var data = Find(linkInfo, 2 | 0x8000);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(Find(data, 1)));
    }

    [Fact]
    public void Delete_request_names_the_link()
    {
        var buffer = new byte[128];
        var n = VrrpNetlink.WriteDeleteLink(buffer, 9, "vrrp.51");
        var m = buffer.AsSpan(0, n);
        Assert.Equal(17, BinaryPrimitives.ReadUInt16LittleEndian(m[4..])); // RTM_DELLINK
        Assert.Equal(0x5, BinaryPrimitives.ReadUInt16LittleEndian(m[6..]));
        Assert.Equal("vrrp.51\0"u8.ToArray(), Find(m[32..], 3).ToArray());
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-17, 17)]
    [InlineData(-1, 1)]
    public void Ack_is_read_for_the_matching_sequence(int error, int expected)
    {
        var ack = Ack(5, error);
        Assert.True(VrrpNetlink.TryReadAck(ack, 5, out var errno));
        Assert.Equal(expected, errno);
    }

    [Fact]
    public void Ack_for_another_sequence_or_garbage_is_not_taken()
    {
        Assert.False(VrrpNetlink.TryReadAck(Ack(4, 0), 5, out _));
        Assert.False(VrrpNetlink.TryReadAck(Ack(5, 0).AsSpan(0, 12), 5, out _));
        var bad = Ack(5, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bad, 4000);
        Assert.False(VrrpNetlink.TryReadAck(bad, 5, out _));
        var rng = new Random(16);
        var buffer = new byte[64];
        for (var i = 0; i < 5000; i++)
        {
            rng.NextBytes(buffer);
            _ = VrrpNetlink.TryReadAck(buffer.AsSpan(0, rng.Next(65)), 5, out _);
        }
    }

    [Fact]
    public void Default_names_follow_keepalived()
    {
        Assert.Equal("vrrp.51", LinuxVirtualMac.DefaultName(51));
        Assert.Equal("vrrp6.51", LinuxVirtualMac.DefaultName(51, isIPv6: true));
    }

    [Fact]
    public void Bad_vmac_names_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => LinuxVirtualMac.Create("eth0", 51, name: "much-too-long-name"));
        Assert.Throws<ArgumentOutOfRangeException>(() => LinuxVirtualMac.Create("eth0", 0));
    }

    private static byte[] Ack(uint sequence, int error)
    {
        var b = new byte[36];
        BinaryPrimitives.WriteUInt32LittleEndian(b, 36);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), sequence);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(16), error);
        return b;
    }

    private static List<int> TopLevelTypes(ReadOnlySpan<byte> attrs)
    {
        var types = new List<int>();
        while (attrs.Length >= 4)
        {
            var len = BinaryPrimitives.ReadUInt16LittleEndian(attrs);
            types.Add(BinaryPrimitives.ReadUInt16LittleEndian(attrs[2..]));
            attrs = attrs[Math.Min(attrs.Length, (len + 3) & ~3)..];
        }

        return types;
    }

    private static ReadOnlySpan<byte> Find(ReadOnlySpan<byte> attrs, int type)
    {
        while (attrs.Length >= 4)
        {
            var len = BinaryPrimitives.ReadUInt16LittleEndian(attrs);
            if (BinaryPrimitives.ReadUInt16LittleEndian(attrs[2..]) == type)
            {
                return attrs[4..len];
            }

            attrs = attrs[Math.Min(attrs.Length, (len + 3) & ~3)..];
        }

        throw new InvalidOperationException($"attribute {type} not found");
    }
}
