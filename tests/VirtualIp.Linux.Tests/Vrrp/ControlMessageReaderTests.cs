using System.Buffers.Binary;
using VirtualIp.Linux.Vrrp;

namespace VirtualIp.Linux.Tests.Vrrp;

public sealed class ControlMessageReaderTests
{
    private static readonly byte[] s_group = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12];

    /// <summary>Builds a cmsg chain the way the kernel lays it out for this process (size_t len, int level, int type, data, aligned).</summary>
    private sealed class Builder
    {
        private readonly List<byte> _bytes = [];

        public Builder Add(int level, int type, ReadOnlySpan<byte> data, int? lengthOverride = null)
        {
            var header = ControlMessageReader.HeaderSize;
            var len = lengthOverride ?? header + data.Length;
            var msg = new byte[header + data.Length];
            if (nint.Size == 8)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(msg, (ulong)len);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(msg, (uint)len);
            }

            BinaryPrimitives.WriteInt32LittleEndian(msg.AsSpan(nint.Size), level);
            BinaryPrimitives.WriteInt32LittleEndian(msg.AsSpan(nint.Size + 4), type);
            data.CopyTo(msg.AsSpan(header));
            _bytes.AddRange(msg);
            while (_bytes.Count % nint.Size != 0)
            {
                _bytes.Add(0);
            }

            return this;
        }

        public Builder HopLimit(int value)
        {
            var d = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(d, value);
            return Add(41, 52, d);
        }

        public Builder PktInfo(byte[] address, int ifindex)
        {
            var d = new byte[20];
            address.CopyTo(d, 0);
            BinaryPrimitives.WriteInt32LittleEndian(d.AsSpan(16), ifindex);
            return Add(41, 50, d);
        }

        public byte[] ToArray() => [.. _bytes];
    }

    [Fact]
    public void Reads_hop_limit_and_pktinfo_in_kernel_order()
    {
        // Linux emits IPV6_PKTINFO before IPV6_HOPLIMIT.
        var control = new Builder().PktInfo(s_group, 7).HopLimit(255).ToArray();
        Assert.True(ControlMessageReader.TryReadIPv6(control, out var hop, out var dst, out var ifindex));
        Assert.Equal(255, hop);
        Assert.Equal(s_group, dst.ToArray());
        Assert.Equal(7, ifindex);
    }

    [Fact]
    public void Order_does_not_matter_and_unknown_messages_are_skipped()
    {
        var control = new Builder().Add(1, 29, new byte[12]).HopLimit(64).Add(41, 99, new byte[3]).PktInfo(s_group, 3).ToArray();
        Assert.True(ControlMessageReader.TryReadIPv6(control, out var hop, out _, out var ifindex));
        Assert.Equal(64, hop);
        Assert.Equal(3, ifindex);
    }

    [Fact]
    public void Missing_hop_limit_fails()
    {
        Assert.False(ControlMessageReader.TryReadIPv6(new Builder().PktInfo(s_group, 7).ToArray(), out _, out _, out _));
    }

    [Fact]
    public void Missing_pktinfo_fails()
    {
        Assert.False(ControlMessageReader.TryReadIPv6(new Builder().HopLimit(255).ToArray(), out _, out _, out _));
    }

    [Fact]
    public void Empty_control_fails()
    {
        Assert.False(ControlMessageReader.TryReadIPv6([], out _, out _, out _));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(256)]
    public void Out_of_range_hop_limit_is_ignored(int value)
    {
        var control = new Builder().PktInfo(s_group, 7).HopLimit(value).ToArray();
        Assert.False(ControlMessageReader.TryReadIPv6(control, out _, out _, out _));
    }

    [Fact]
    public void Length_past_the_buffer_stops_parsing()
    {
        var control = new Builder().HopLimit(255).Add(41, 50, new byte[20], lengthOverride: 4096).ToArray();
        Assert.False(ControlMessageReader.TryReadIPv6(control, out _, out _, out _));
    }

    [Fact]
    public void Length_below_header_stops_parsing()
    {
        var control = new Builder().Add(41, 52, new byte[4], lengthOverride: 3).PktInfo(s_group, 7).ToArray();
        Assert.False(ControlMessageReader.TryReadIPv6(control, out _, out _, out _));
    }

    [Fact]
    public void Short_pktinfo_is_ignored()
    {
        var control = new Builder().HopLimit(255).Add(41, 50, new byte[16]).ToArray();
        Assert.False(ControlMessageReader.TryReadIPv6(control, out _, out _, out _));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var rng = new Random(52);
        var buffer = new byte[128];
        for (var i = 0; i < 20_000; i++)
        {
            rng.NextBytes(buffer);
            // Keep lengths plausible half the time so the loop walks several messages.
            if (i % 2 == 0)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(buffer, (ulong)rng.Next(0, 64));
            }

            _ = ControlMessageReader.TryReadIPv6(buffer.AsSpan(0, rng.Next(buffer.Length + 1)), out _, out var dst, out _);
            Assert.True(dst.Length is 0 or 16);
        }
    }

    [Fact]
    public void Parsing_allocates_nothing()
    {
        var control = new Builder().PktInfo(s_group, 7).HopLimit(255).ToArray();
        _ = ControlMessageReader.TryReadIPv6(control, out _, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            _ = ControlMessageReader.TryReadIPv6(control, out _, out _, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
