using VirtualIp.Pools;

namespace VirtualIp.Tests.Pools;

public sealed class FreeAddressSetTests
{
    [Fact]
    public void Take_and_give_back_keep_intervals_merged_and_the_count_right()
    {
        var set = new FreeAddressSet();
        set.AddRange(10, 19);
        Assert.Equal((UInt128)10, set.Count);
        Assert.True(set.Remove(15));
        Assert.False(set.Remove(15));
        Assert.False(set.Contains(15));
        Assert.True(set.Contains(14));
        Assert.True(set.Contains(16));
        Assert.True(set.Add(15));
        Assert.False(set.Add(15));
        Assert.Equal((UInt128)10, set.Count);
        Assert.Equal(1, set.IntervalCount);
    }

    [Fact]
    public void Next_fit_walks_forward_and_wraps()
    {
        var set = new FreeAddressSet();
        set.AddRange(1, 4);
        var taken = new List<UInt128>();
        while (set.TryTakeNext(out var a))
        {
            taken.Add(a);
        }

        Assert.Equal([(UInt128)1, 2, 3, 4], taken);
        set.Add(2);
        set.Add(4);
        Assert.True(set.TryTakeNext(out var next)); // cursor is past 4: wraps to 2
        Assert.Equal((UInt128)2, next);
        Assert.True(set.TryTakeNext(out next));
        Assert.Equal((UInt128)4, next);
        Assert.False(set.TryTakeNext(out _));
    }

    [Fact]
    public void The_top_of_the_ipv6_space_is_handled()
    {
        var set = new FreeAddressSet();
        set.AddRange(UInt128.MaxValue - 1, UInt128.MaxValue);
        Assert.True(set.TryTakeNext(out var a));
        Assert.True(set.TryTakeNext(out var b));
        Assert.Equal((UInt128.MaxValue - 1, UInt128.MaxValue), (a, b));
        Assert.True(set.Add(UInt128.MaxValue));
        Assert.True(set.TryTakeNext(out var c));
        Assert.Equal(UInt128.MaxValue, c);
    }
}
