using System.Buffers.Binary;
using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Linux.Netlink;

namespace VirtualIp.Linux.Tests.Netlink;

public class NetlinkWriterTests
{
    [Fact]
    public void AddRequest_MatchesTheBytesIpRouteSendsToTheKernel()
    {
        // Observed on a real kernel (platform notes): RTM_NEWADDR 192.0.2.100/32 on ifindex 8, flags REQUEST|ACK|EXCL|CREATE.
        byte[] expected = Convert.FromHexString(
            "30000000" + "1400" + "0506" + "2a000000" + "00000000" +
            "02200000" + "08000000" +
            "08000200" + "C0000264" +
            "08000100" + "C0000264" +
            "08000800" + "00000000");
        var buffer = new byte[256];
        var msg = NetlinkMessages.WriteAddressRequest(buffer, add: true, sequence: 42, interfaceIndex: 8,
            VipAddress.Parse("192.0.2.100/32"), new VipBindOptions { MarkOwned = false });

        Assert.Equal(expected, msg.ToArray());
    }

    [Fact]
    public void AddRequest_Ipv6_SetsNoDadAndOwnershipMark()
    {
        var buffer = new byte[256];
        var msg = NetlinkMessages.WriteAddressRequest(buffer, true, 7, 3, VipAddress.Parse("2001:db8::100/64"), new VipBindOptions { NoPrefixRoute = true });
        var bytes = msg.ToArray();
        Assert.Equal((uint)bytes.Length, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(Nl.AF_INET6, bytes[16]);
        Assert.Equal(64, bytes[17]);

        var attrs = ReadAttributes(bytes.AsSpan(16 + Nl.IfAddrMsgLength));
        Assert.False(attrs.ContainsKey(Nl.IFA_LOCAL)); // IPv6 carries only IFA_ADDRESS
        Assert.Equal(IPAddress.Parse("2001:db8::100").GetAddressBytes(), attrs[Nl.IFA_ADDRESS]);
        Assert.Equal(Nl.IFA_F_NODAD | Nl.IFA_F_NOPREFIXROUTE, BinaryPrimitives.ReadUInt32LittleEndian(attrs[Nl.IFA_FLAGS]));
        Assert.Equal([OwnershipMark.Value], attrs[Nl.IFA_PROTO]);
    }

    [Fact]
    public void RemoveRequest_HasNoCreateFlagsAndNoProto()
    {
        var buffer = new byte[256];
        var bytes = NetlinkMessages.WriteAddressRequest(buffer, false, 1, 5, VipAddress.Parse("198.51.100.7/24"), null).ToArray();
        Assert.Equal(Nl.RTM_DELADDR, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(6)));
        var attrs = ReadAttributes(bytes.AsSpan(24));
        Assert.False(attrs.ContainsKey(Nl.IFA_PROTO));
        Assert.Equal(new byte[] { 198, 51, 100, 7 }, attrs[Nl.IFA_LOCAL]);
    }

    [Fact]
    public void StringAttribute_IsNulTerminatedAndPaddedToFourBytes()
    {
        var buffer = new byte[64];
        buffer.AsSpan().Fill(0xEE);
        var w = new NetlinkWriter(buffer, Nl.RTM_GETLINK, Nl.NLM_F_REQUEST, 1);
        w.WriteAttributeString(Nl.IFLA_IFNAME, "eth0:vip"); // 8 chars + NUL = 9 -> rta_len 13, padded to 16
        var msg = w.Complete();
        Assert.Equal(16 + 16, msg.Length);
        Assert.Equal(13, BinaryPrimitives.ReadUInt16LittleEndian(msg[16..]));
        Assert.Equal(0, msg[16 + 4 + 8]);
        Assert.True(msg[(16 + 13)..32].IndexOfAnyExcept((byte)0) < 0, "padding must be zero");
    }

    [Fact]
    public void Writer_ThrowsClearlyWhenTheBufferIsTooSmall()
    {
        var buffer = new byte[20];
        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            var w = new NetlinkWriter(buffer, Nl.RTM_NEWADDR, 0, 1);
            w.WriteIfAddrMsg(2, 32, 0, 0, 1);
        });
        Assert.Contains("24 bytes", ex.Message);
    }

    [Fact]
    public void WritingAnAddRequest_AllocatesNothing()
    {
        var buffer = new byte[256];
        var vip = VipAddress.Parse("2001:db8::100/64");
        var options = new VipBindOptions { Label = null };
        for (int i = 0; i < 100; i++)
        {
            NetlinkMessages.WriteAddressRequest(buffer, true, (uint)i, 3, vip, options);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            NetlinkMessages.WriteAddressRequest(buffer, i % 2 == 0, (uint)i, 3, vip, options);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    internal static Dictionary<ushort, byte[]> ReadAttributes(ReadOnlySpan<byte> span)
    {
        var result = new Dictionary<ushort, byte[]>();
        var r = new NetlinkAttributeReader(span);
        while (r.TryRead(out ushort type, out var value))
        {
            result[type] = value.ToArray();
        }

        Assert.False(r.Malformed);
        return result;
    }
}
