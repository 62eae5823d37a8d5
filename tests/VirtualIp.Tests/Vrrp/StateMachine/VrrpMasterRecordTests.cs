using System.Net;
using VirtualIp.Vrrp;

namespace VirtualIp.Tests.Vrrp.StateMachine;

/// <summary>Who the router follows as master: identity, liveness and RFC 9568 6.4.3's comparison.</summary>
public sealed class VrrpMasterRecordTests
{
    private static readonly byte[] Local = IPAddress.Parse("192.0.2.1").GetAddressBytes();
    private static readonly byte[] Master = IPAddress.Parse("192.0.2.2").GetAddressBytes();
    private static readonly byte[] Higher = IPAddress.Parse("192.0.2.3").GetAddressBytes();

    [Fact]
    public void Unknown_master_has_no_address_and_is_not_live()
    {
        var record = new VrrpMasterRecord();
        Assert.Null(record.ToIPAddress());
        Assert.False(record.IsLive(Local, now: 10, masterDownTicks: 100));
        Assert.False(record.IsCurrent(Master, Local));
    }

    [Fact]
    public void Remembered_master_is_current_and_live_within_the_down_interval()
    {
        var record = new VrrpMasterRecord();
        record.Remember(Master, 150, now: 1000);
        Assert.Equal(IPAddress.Parse("192.0.2.2"), record.ToIPAddress());
        Assert.True(record.IsCurrent(Master, Local));
        Assert.False(record.IsCurrent(Higher, Local));
        Assert.True(record.IsLive(Local, now: 1099, masterDownTicks: 100));
        Assert.False(record.IsLive(Local, now: 1100, masterDownTicks: 100));
    }

    [Fact]
    public void This_node_as_master_is_neither_current_nor_live()
    {
        var record = new VrrpMasterRecord();
        record.Remember(Local, 150, now: 1000);
        Assert.False(record.IsCurrent(Local, Local));
        Assert.False(record.IsLive(Local, now: 1000, masterDownTicks: 100));
    }

    [Fact]
    public void Higher_priority_or_equal_priority_and_higher_address_beats_the_master()
    {
        var record = new VrrpMasterRecord();
        record.Remember(Master, 150, now: 0);
        Assert.True(record.IsBeatenBy(151, Local));
        Assert.True(record.IsBeatenBy(150, Higher));
        Assert.False(record.IsBeatenBy(150, Local));
        Assert.False(record.IsBeatenBy(149, Higher));
    }
}
