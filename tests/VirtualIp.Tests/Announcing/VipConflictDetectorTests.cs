using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Tests.Vrrp.StateMachine;

namespace VirtualIp.Tests.Announcing;

/// <summary>
/// Attack stopped: another machine answering ARP / ND for our VIP while we are master (traffic hijacking) went unseen.
/// RFC 5227 2.4 (b): report, defend once, then at most once per 10 s.
/// </summary>
public sealed class VipConflictDetectorTests
{
    private static readonly MacAddress Ours = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly MacAddress Foreign = MacAddress.Parse("02:00:00:00:00:66");
    private static readonly VipAddress Vip = VipAddress.Parse("192.0.2.100/24");

    private static (VipConflictDetector Detector, FakeAnnouncer Announcer, FakeTimeProvider Time, List<VipConflict> Seen) Create()
    {
        var time = new FakeTimeProvider();
        var announcer = new FakeAnnouncer();
        var seen = new List<VipConflict>();
        var d = new VipConflictDetector("eth0", Ours, announcer, time, NullLogger.Instance, seen.Add);
        return (d, announcer, time, seen);
    }

    [Fact]
    public void A_foreign_claim_for_a_held_vip_is_reported_and_defended_once_per_ten_seconds()
    {
        var (d, announcer, time, seen) = Create();
        d.Hold("web", [Vip], null);
        d.OnClaim(Vip.Address.GetAddressBytes(), Foreign);
        Assert.Empty(seen); // confirmed only after the grace (a hand-over releases the VIP within it)
        time.Advance(VipConflictDetector.ClaimGrace);
        var c = Assert.Single(seen);
        Assert.Equal(Vip.Address, c.Address);
        Assert.Equal(Foreign, c.ForeignMac);
        Assert.Equal("web", c.Router);
        Assert.True(c.Defended);
        Assert.Equal(1, announcer.Started);

        time.Advance(TimeSpan.FromSeconds(9));
        d.OnClaim(Vip.Address.GetAddressBytes(), Foreign);
        time.Advance(VipConflictDetector.ClaimGrace);
        Assert.False(seen[1].Defended);
        Assert.Equal(1, announcer.Started); // no announcement war

        time.Advance(TimeSpan.FromSeconds(1));
        d.OnClaim(Vip.Address.GetAddressBytes(), Foreign);
        time.Advance(VipConflictDetector.ClaimGrace);
        Assert.True(seen[2].Defended);
        Assert.Equal(2, announcer.Started);
        Assert.Equal(1, announcer.Active); // the previous defence handle was disposed
        Assert.Equal(3, d.Conflicts);
    }

    [Fact]
    public void A_claim_followed_by_our_release_within_the_grace_is_a_hand_over_not_a_conflict()
    {
        // Make-before-break hand-back: the preempting master announces, then its advert makes us let go.
        var (d, announcer, time, seen) = Create();
        d.Hold("web", [Vip], null);
        d.OnClaim(Vip.Address.GetAddressBytes(), Foreign);
        d.OnClaim(Vip.Address.GetAddressBytes(), Foreign); // its burst: one pending check
        time.Advance(VipConflictDetector.ClaimGrace / 2);
        d.Release("web");
        time.Advance(VipConflictDetector.ClaimGrace);
        Assert.Empty(seen);
        Assert.Equal(0, announcer.Started);
        Assert.Equal(0, d.Conflicts);
    }

    [Fact]
    public void Our_own_macs_other_addresses_and_vips_not_held_as_master_are_not_conflicts()
    {
        var (d, announcer, _, seen) = Create();
        var vmac = MacAddress.ForVirtualRouter(51, false);
        d.OnClaim(Vip.Address.GetAddressBytes(), Foreign);                 // not master yet
        d.Hold("web", [Vip], vmac);
        d.OnClaim(Vip.Address.GetAddressBytes(), Ours);                    // our interface MAC
        d.OnClaim(Vip.Address.GetAddressBytes(), vmac);                    // our virtual MAC
        d.OnClaim(IPAddress.Parse("192.0.2.7").GetAddressBytes(), Foreign); // someone else's address
        d.Release("web");
        d.OnClaim(Vip.Address.GetAddressBytes(), Foreign);                 // backup again
        Assert.Empty(seen);
        Assert.Equal(0, announcer.Started);
    }

    [Fact]
    public void The_claim_path_allocates_nothing_when_no_held_vip_is_hit()
    {
        var (d, _, _, _) = Create();
        d.Hold("web", [Vip], null);
        var other = IPAddress.Parse("192.0.2.7").GetAddressBytes();
        var ours = Vip.Address.GetAddressBytes();
        d.OnClaim(other, Foreign);
        d.OnClaim(ours, Ours);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            d.OnClaim(other, Foreign);
            d.OnClaim(ours, Ours);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
