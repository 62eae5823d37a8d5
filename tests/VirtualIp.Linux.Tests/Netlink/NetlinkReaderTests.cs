using System.Buffers.Binary;
using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Linux.Netlink;

namespace VirtualIp.Linux.Tests.Netlink;

public class NetlinkReaderTests
{
    [Fact]
    public void Reader_WalksSeveralMessagesInOneDatagram()
    {
        var buffer = new byte[512];
        int a = NetlinkMessages.WriteAddressRequest(buffer, true, 1, 2, VipAddress.Parse("192.0.2.1/24"), null).Length;
        int b = NetlinkMessages.WriteAddressRequest(buffer.AsSpan(a), false, 2, 2, VipAddress.Parse("192.0.2.2/24"), null).Length;
        var r = new NetlinkReader(buffer.AsSpan(0, a + b));
        Assert.True(r.TryRead(out var m1));
        Assert.Equal(Nl.RTM_NEWADDR, m1.Type);
        Assert.Equal(1u, m1.Sequence);
        Assert.True(r.TryRead(out var m2));
        Assert.Equal(Nl.RTM_DELADDR, m2.Type);
        Assert.Equal(2u, m2.Sequence);
        Assert.False(r.TryRead(out _));
        Assert.Equal(NetlinkReadError.None, r.Error);
    }

    [Theory]
    [InlineData("0a000000", 1)]              // 4 bytes only
    [InlineData("08000000" + "0300" + "0000" + "00000000" + "00000000", 2)] // len < 16
    [InlineData("ff000000" + "0300" + "0000" + "00000000" + "00000000", 2)] // len > datagram
    public void Reader_RejectsMalformedDatagramsWithAReason(string hex, int reason)
    {
        var r = new NetlinkReader(Convert.FromHexString(hex));
        Assert.False(r.TryRead(out _));
        Assert.Equal((NetlinkReadError)reason, r.Error);
    }

    [Fact]
    public void AttributeReader_StopsOnAZeroOrOverlongLength()
    {
        var r = new NetlinkAttributeReader(Convert.FromHexString("08000100C0000201" + "02000200"));
        Assert.True(r.TryRead(out ushort t, out var v));
        Assert.Equal(1, t);
        Assert.Equal(4, v.Length);
        Assert.False(r.TryRead(out _, out _));
        Assert.True(r.Malformed);

        var r2 = new NetlinkAttributeReader(Convert.FromHexString("40000100C0000201"));
        Assert.False(r2.TryRead(out _, out _));
        Assert.True(r2.Malformed);
    }

    [Fact]
    public void Reader_on_random_bytes_never_throws_and_stays_inside_the_buffer()
    {
        var rng = new Random(1234);
        var bytes = new byte[200];
        int messages = 0;
        for (int i = 0; i < 2000; i++)
        {
            rng.NextBytes(bytes);
            if (i % 2 == 0)
            {
                // A plausible first header (length 16..64) so the loop reaches the payload parsers.
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)rng.Next(16, 64));
            }

            var span = bytes.AsSpan(0, rng.Next(bytes.Length));
            var r = new NetlinkReader(span);
            int consumed = 0;
            while (r.TryRead(out var m))
            {
                // Every message the reader yields lies inside what it was given, and the walk always advances.
                Assert.InRange(m.Payload.Length, 0, span.Length - 16);
                consumed += 16 + m.Payload.Length;
                Assert.InRange(consumed, 16, span.Length);
                messages++;
                var attrs = new NetlinkAttributeReader(m.Payload);
                int attrBytes = 0;
                while (attrs.TryRead(out _, out var value))
                {
                    attrBytes += 4 + value.Length;
                    Assert.InRange(attrBytes, 4, m.Payload.Length); // every attribute lies inside its message
                }

                NetlinkMessages.TryParseAddress(m.Payload, out _, out _);
                NetlinkMessages.TryParseLink(m.Payload, out _);
                NetlinkError.TryParse(m, out _);
            }

            NetlinkMessages.TryParseAddress(span, out _, out _);
            NetlinkMessages.TryParseLink(span, out _);
        }

        Assert.InRange(messages, 100, int.MaxValue); // the plausible headers were read as messages, not all rejected
        Assert.False(new NetlinkReader(new byte[15]).TryRead(out _));
    }

    [Fact]
    public void ParseAddress_ReadsWhatTheWriterWrote()
    {
        var buffer = new byte[256];
        var msg = NetlinkMessages.WriteAddressRequest(buffer, true, 9, 4, VipAddress.Parse("192.0.2.50/24"), new VipBindOptions { Label = "eth0:vip" });
        Assert.True(NetlinkMessages.TryParseAddress(msg[16..], out var a, out byte scope));
        Assert.Equal(IPAddress.Parse("192.0.2.50"), a!.Address);
        Assert.Equal(24, a.PrefixLength);
        Assert.Equal(4, a.InterfaceIndex);
        Assert.Equal("eth0:vip", a.Label);
        Assert.True(a.IsOwned);
        Assert.Equal(Nl.RT_SCOPE_UNIVERSE, scope);
    }

    [Fact]
    public void ParseAddress_IsNotOwnedWithoutTheMarkOrWithAnotherProto()
    {
        var buffer = new byte[256];
        var msg = NetlinkMessages.WriteAddressRequest(buffer, true, 9, 4, VipAddress.Parse("2001:db8::5/64"), new VipBindOptions { MarkOwned = false });
        Assert.True(NetlinkMessages.TryParseAddress(msg[16..], out var a, out _));
        Assert.False(a!.IsOwned);
        Assert.Equal(Nl.IFA_F_NODAD, a.Flags);

        var w = new NetlinkWriter(buffer, Nl.RTM_NEWADDR, 0, 1);
        w.WriteIfAddrMsg(Nl.AF_INET6, 64, 0, 0, 4);
        w.WriteAttributeAddress(Nl.IFA_ADDRESS, IPAddress.Parse("2001:db8::6"));
        w.WriteAttributeU8(Nl.IFA_PROTO, 3); // kernel_ll
        Assert.True(NetlinkMessages.TryParseAddress(w.Complete()[16..], out var b, out _));
        Assert.False(b!.IsOwned);
    }

    [Fact]
    public void ParseAddress_RejectsUnknownFamilyAndMissingAddress()
    {
        Assert.False(NetlinkMessages.TryParseAddress(Convert.FromHexString("07200000" + "01000000"), out _, out _));
        Assert.False(NetlinkMessages.TryParseAddress(Convert.FromHexString("02200000" + "01000000"), out _, out _));
        Assert.False(NetlinkMessages.TryParseAddress(Convert.FromHexString("0220"), out _, out _));
    }

    [Fact]
    public void ParseLink_ReadsNameMacMtuAndState()
    {
        var buffer = new byte[256];
        var w = new NetlinkWriter(buffer, Nl.RTM_NEWLINK, 0, 0);
        w.WriteIfInfoMsg(0, 7, Nl.IFF_UP | Nl.IFF_RUNNING | Nl.IFF_LOWER_UP);
        w.WriteAttributeString(Nl.IFLA_IFNAME, "eth0");
        w.WriteAttributeU32(Nl.IFLA_MTU, 1500);
        w.WriteAttribute(Nl.IFLA_ADDRESS, Convert.FromHexString("020000000001"));
        w.WriteAttributeU8(Nl.IFLA_OPERSTATE, Nl.IF_OPER_UP);
        Assert.True(NetlinkMessages.TryParseLink(w.Complete()[16..], out var link));
        Assert.Equal(7, link!.Index);
        Assert.Equal("eth0", link.Name);
        Assert.Equal(1500, link.Mtu);
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:01"), link.Mac);
        Assert.True(link.IsUp);
        Assert.False((link with { Flags = Nl.IFF_UP }).IsUp);
    }

    [Fact]
    public void Error_ParsesErrnoSequenceAndExtendedAck()
    {
        // NLMSG_ERROR, flags CAPPED|ACK_TLVS, error -17, echoed request header (seq 77), then the ext-ack TLVs.
        var text = "Address already assigned\0"u8;
        int msgAttr = 4 + text.Length;
        int total = 16 + 4 + 16 + ((msgAttr + 3) & ~3) + 8;
        var bytes = new byte[total];
        var s = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)total);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], Nl.NLMSG_ERROR);
        BinaryPrimitives.WriteUInt16LittleEndian(s[6..], Nl.NLM_F_CAPPED | Nl.NLM_F_ACK_TLVS);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], 77);
        BinaryPrimitives.WriteInt32LittleEndian(s[16..], -17);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 40);
        BinaryPrimitives.WriteUInt16LittleEndian(s[24..], Nl.RTM_NEWADDR);
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], 77);
        int o = 36;
        BinaryPrimitives.WriteUInt16LittleEndian(s[o..], (ushort)msgAttr);
        BinaryPrimitives.WriteUInt16LittleEndian(s[(o + 2)..], Nl.NLMSGERR_ATTR_MSG);
        text.CopyTo(s[(o + 4)..]);
        o += (msgAttr + 3) & ~3;
        BinaryPrimitives.WriteUInt16LittleEndian(s[o..], 8);
        BinaryPrimitives.WriteUInt16LittleEndian(s[(o + 2)..], Nl.NLMSGERR_ATTR_OFFS);
        BinaryPrimitives.WriteUInt32LittleEndian(s[(o + 4)..], 36);

        var r = new NetlinkReader(bytes);
        Assert.True(r.TryRead(out var m));
        Assert.True(NetlinkError.TryParse(m, out var err));
        Assert.Equal(-17, err.Error);
        Assert.Equal(77u, err.Sequence);
        Assert.Equal("Address already assigned", System.Text.Encoding.UTF8.GetString(err.ExtAckMessage));
        Assert.Equal(36, err.ExtAckOffset);
    }

    [Fact]
    public void Error_RejectsAShortBody()
    {
        var buffer = new byte[64];
        var w = new NetlinkWriter(buffer, Nl.NLMSG_ERROR, 0, 1);
        w.WriteAttributeU32(1, 0);
        var r = new NetlinkReader(w.Complete());
        Assert.True(r.TryRead(out var m));
        Assert.False(NetlinkError.TryParse(m, out _));
    }
}
