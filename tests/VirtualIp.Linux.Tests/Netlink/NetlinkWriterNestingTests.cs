using System.Buffers.Binary;
using VirtualIp.Linux.Netlink;

namespace VirtualIp.Linux.Tests.Netlink;

public sealed class NetlinkWriterNestingTests
{
    [Fact]
    public void Nested_attributes_cover_their_children_and_carry_the_nested_flag()
    {
        var buffer = new byte[128];
        var w = new NetlinkWriter(buffer, Nl.RTM_NEWLINK, Nl.NLM_F_REQUEST, sequence: 1);
        int outer = w.BeginNested(18);
        w.WriteAttributeString(1, "ab");          // 4 + 3 -> 8 with padding
        int inner = w.BeginNested(2);
        w.WriteAttributeU32(1, 0xAABBCCDD);       // 8
        w.EndNested(inner);
        w.EndNested(outer);
        w.WriteAttributeU8(3, 7);                 // a sibling after the nest
        var bytes = w.Complete().ToArray();

        byte[] expected = Convert.FromHexString(
            "1800" + "1280" +                    // outer: len 4 + 8 + 12 = 24, type 18 | NLA_F_NESTED
            "0700" + "0100" + "61620000" +       // "ab\0" + 1 byte padding
            "0C00" + "0280" +                    // inner: len 12, type 2 | NLA_F_NESTED
            "0800" + "0100" + "DDCCBBAA" +
            "0500" + "0300" + "07000000");
        Assert.Equal(expected, bytes[16..]);
        Assert.Equal((uint)bytes.Length, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
    }

    [Fact]
    public void An_empty_nest_is_four_bytes()
    {
        var buffer = new byte[64];
        var w = new NetlinkWriter(buffer, Nl.RTM_NEWLINK, Nl.NLM_F_REQUEST, sequence: 1);
        w.EndNested(w.BeginNested(26));
        Assert.Equal(Convert.FromHexString("04001A80"), w.Complete()[16..].ToArray());
    }

    [Fact]
    public void Closing_something_that_is_not_an_open_nest_names_the_offset()
    {
        var buffer = new byte[64];
        var w = new NetlinkWriter(buffer, Nl.RTM_NEWLINK, Nl.NLM_F_REQUEST, sequence: 1);
        w.WriteAttributeU32(1, 1);
        int length = w.Length;
        var ex = Record.Exception(() =>
        {
            var w2 = new NetlinkWriter(new byte[64], Nl.RTM_NEWLINK, Nl.NLM_F_REQUEST, sequence: 1);
            w2.WriteAttributeU32(1, 1);
            w2.EndNested(16); // a plain attribute, not a nest
        });
        Assert.IsType<ArgumentOutOfRangeException>(ex);
        Assert.Equal(24, length);
    }

    [Fact]
    public void A_nest_that_does_not_fit_throws_instead_of_writing_past_the_buffer()
    {
        var ex = Record.Exception(() =>
        {
            var w = new NetlinkWriter(new byte[18], Nl.RTM_NEWLINK, Nl.NLM_F_REQUEST, sequence: 1);
            w.BeginNested(18);
        });
        Assert.IsType<InvalidOperationException>(ex);
    }
}
