using System.Net;
using VirtualIp.Binding;
using VirtualIp.Windows.Interop;
using VirtualIp.Windows.Watching;

namespace VirtualIp.Windows.Tests.Watching;

/// <summary>
/// The IP Helper notifications translated with the Linux watcher's contract. The notifications themselves need Windows;
/// the translation is pure and runs here.
/// </summary>
public sealed unsafe class AddressChangeTranslatorTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("192.0.2.100");

    [Fact]
    public void Address_add_and_delete_become_added_and_removed_with_the_recorded_prefix()
    {
        var t = new AddressChangeTranslator();
        t.Seed([new LinkSnapshot(7, "Ethernet", IsUp: true)]);

        var added = t.OnAddress(MibNotificationType.Add, 7, Vip, 24);
        Assert.NotNull(added);
        Assert.Equal(AddressChangeKind.AddressAdded, added.Kind);
        Assert.Equal("Ethernet", added.InterfaceName);
        Assert.Equal(24, added.PrefixLength);

        // A delete notification may carry no prefix: the one recorded when the address appeared is reported,
        // because VipGuard (RestoreDeletedVips) matches by address and prefix.
        var removed = t.OnAddress(MibNotificationType.Delete, 7, Vip, 0);
        Assert.NotNull(removed);
        Assert.Equal(AddressChangeKind.AddressRemoved, removed.Kind);
        Assert.Equal(Vip, removed.Address);
        Assert.Equal(7, removed.InterfaceIndex);
        Assert.Equal(24, removed.PrefixLength);
    }

    [Fact]
    public void Seeded_addresses_keep_their_prefix_when_deleted_and_parameter_changes_raise_nothing()
    {
        var t = new AddressChangeTranslator();
        t.SeedAddresses([(3, Vip, 32)]);
        Assert.Null(t.OnAddress(MibNotificationType.Parameter, 3, Vip, 32));
        Assert.Null(t.OnAddress(MibNotificationType.Initial, 0, null, 0));
        var removed = t.OnAddress(MibNotificationType.Delete, 3, Vip, 0);
        Assert.Equal(32, removed!.PrefixLength);
        Assert.Null(removed.InterfaceName); // index 3 was never listed as a link
    }

    [Fact]
    public void Interface_notifications_raise_only_on_up_state_changes()
    {
        var t = new AddressChangeTranslator();
        t.Seed([new LinkSnapshot(7, "Ethernet", IsUp: true), new LinkSnapshot(9, "Wi-Fi", IsUp: false)]);

        // One notification per family and per parameter change: no change of the up state, nothing raised.
        Assert.Null(t.OnInterface(MibNotificationType.Parameter, 7, new LinkSnapshot(7, "Ethernet", true)));
        Assert.Null(t.OnInterface(MibNotificationType.Initial, 0, null));

        var down = t.OnInterface(MibNotificationType.Parameter, 7, new LinkSnapshot(7, "Ethernet", false));
        Assert.Equal(AddressChangeKind.LinkDown, down!.Kind);
        Assert.Equal("Ethernet", down.InterfaceName);
        Assert.Null(t.OnInterface(MibNotificationType.Parameter, 7, new LinkSnapshot(7, "Ethernet", false)));

        var up = t.OnInterface(MibNotificationType.Parameter, 7, new LinkSnapshot(7, null, true));
        Assert.Equal(AddressChangeKind.LinkUp, up!.Kind);
        Assert.Equal("Ethernet", up.InterfaceName); // a snapshot without a name keeps the known one

        Assert.Equal(AddressChangeKind.LinkUp, t.OnInterface(MibNotificationType.Parameter, 9, new LinkSnapshot(9, "Wi-Fi", true))!.Kind);
    }

    [Fact]
    public void New_links_report_up_and_deleted_links_that_were_up_report_down()
    {
        var t = new AddressChangeTranslator();
        Assert.Null(t.OnInterface(MibNotificationType.Add, 12, new LinkSnapshot(12, "vEthernet", false)));
        Assert.Equal(AddressChangeKind.LinkUp, t.OnInterface(MibNotificationType.Add, 13, new LinkSnapshot(13, "Team", true))!.Kind);

        // The first family's delete still finds the link (the other family remains): nothing yet.
        Assert.Null(t.OnInterface(MibNotificationType.Delete, 13, new LinkSnapshot(13, "Team", true)));
        var gone = t.OnInterface(MibNotificationType.Delete, 13, null);
        Assert.Equal(AddressChangeKind.LinkDown, gone!.Kind);
        Assert.Equal("Team", gone.InterfaceName);
        Assert.Null(t.OnInterface(MibNotificationType.Delete, 13, null));
        Assert.Null(t.OnInterface(MibNotificationType.Delete, 12, null)); // was down
    }

    [Fact]
    public void Up_means_admin_up_and_oper_up()
    {
        Assert.True(AddressChangeTranslator.IsUp(adminStatus: 1, operStatus: 1));
        Assert.False(AddressChangeTranslator.IsUp(adminStatus: 2, operStatus: 1));
        Assert.False(AddressChangeTranslator.IsUp(adminStatus: 1, operStatus: 2)); // IfOperStatusDown (no carrier)
        Assert.False(AddressChangeTranslator.IsUp(adminStatus: 1, operStatus: 7)); // IfOperStatusLowerLayerDown
    }

    [Fact]
    public void Sockaddr_inet_converts_both_families()
    {
        SOCKADDR_INET v4 = default;
        v4.si_family = IpHlpApi.AF_INET;
        Vip.TryWriteBytes(new Span<byte>(&v4.Ipv4, 4), out _);
        Assert.Equal(Vip, AddressChangeTranslator.ToAddress(v4));

        var v6Address = IPAddress.Parse("2001:db8::100");
        SOCKADDR_INET v6 = default;
        v6.si_family = IpHlpApi.AF_INET6;
        v6Address.TryWriteBytes(new Span<byte>(v6.Ipv6, 16), out _);
        Assert.Equal(v6Address, AddressChangeTranslator.ToAddress(v6));

        SOCKADDR_INET other = default;
        other.si_family = 99;
        Assert.Null(AddressChangeTranslator.ToAddress(other));
    }
}
