using System.Net;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Linux.Interop;
using VirtualIp.Linux.Netlink;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// The VRRP virtual MAC (keepalived <c>use_vmac</c>): a macvlan in private mode over the VRRP interface with
/// MAC 00-00-5E-00-01-{VRID} (IPv4) or 00-00-5E-00-02-{VRID} (IPv6), marked with the alias <see cref="Mark"/>,
/// configured like keepalived's (see <see cref="Create(NetlinkClient, string, byte, bool, string?)"/>) and brought up.
/// The VRRP transport and the VIPs then use it, so peers learn the virtual MAC, which moves with the master. Needs
/// CAP_NET_ADMIN; the client's network namespace is the parent interface's.
/// </summary>
internal static class LinuxVirtualMac
{
    /// <summary>The alias (IFLA_IFALIAS) that marks a macvlan as VirtualIp's, so one left by a crashed run is recognised and removed.</summary>
    public const string Mark = "virtualip-vmac";

    private static readonly NetlinkLinkMessages.DevConf[] s_vmacIPv4 =
    [
        new(Nl.IPV4_DEVCONF_ARP_IGNORE, 1),           // answer ARP only for the VIPs on the macvlan, not for the parent's addresses
        new(Nl.IPV4_DEVCONF_ACCEPT_LOCAL, 1),         // hear adverts sourced from the node's own (parent) address range
        new(Nl.IPV4_DEVCONF_RP_FILTER, 0),            // receive on the macvlan although it has no route back to the sender
        new(Nl.IPV4_DEVCONF_PROMOTE_SECONDARIES, 1),  // removing one VIP does not flush the others of its subnet
    ];

    private static readonly NetlinkLinkMessages.DevConf[] s_vmacIPv6 = [new(Nl.IPV4_DEVCONF_ARP_IGNORE, 1)];

    /// <summary>The parent must not answer ARP for the VIPs (they live on the macvlan) nor for its own address on the macvlan.</summary>
    private static readonly NetlinkLinkMessages.DevConf[] s_parent =
    [
        new(Nl.IPV4_DEVCONF_ARP_IGNORE, 1),
        new(Nl.IPV4_DEVCONF_ARPFILTER, 1),
    ];

    /// <summary>
    /// The macvlan's name: keepalived's <c>vrrp.{VRID}</c> for IPv4, <c>vrrp6.{VRID}</c> for IPv6 (keepalived 2.4 names
    /// both <c>vrrp.{VRID}</c> and adds a suffix on a clash; a fixed name per family lets the IPv4 and IPv6 routers of one
    /// VRID coexist and a leftover be found again at the next start).
    /// </summary>
    /// <param name="virtualRouterId">The VRID.</param>
    /// <param name="isIPv6">True for the IPv6 virtual router.</param>
    public static string DefaultName(byte virtualRouterId, bool isIPv6 = false) => $"{(isIPv6 ? "vrrp6" : "vrrp")}.{virtualRouterId}";

    /// <summary>Creates the macvlan on a netlink socket of its own; returns its name (see the other overload).</summary>
    public static string Create(string parentInterface, byte virtualRouterId, bool isIPv6 = false, string? name = null)
    {
        name = Validate(parentInterface, virtualRouterId, name, isIPv6);
        using var client = new NetlinkClient();
        return Create(client, parentInterface, virtualRouterId, isIPv6, name).Name;
    }

    /// <summary>
    /// Creates the macvlan, down; marks it (alias <see cref="Mark"/>); sets on it what keepalived sets (arp_ignore=1,
    /// and for IPv4 accept_local=1, rp_filter=0, promote_secondaries=1; no IPv6 link-local generated from the shared
    /// virtual MAC); for IPv4 sets arp_ignore=1 and arp_filter=1 on the parent so that only the macvlan answers ARP for
    /// the VIPs; brings it up; for IPv6 gives it the parent's link-local address (adverts leave from a node address,
    /// never a VIP). A marked macvlan of that name left by a crashed run is deleted first.
    /// </summary>
    /// <param name="client">The netlink client (its namespace is the parent's).</param>
    /// <param name="parentInterface">The interface VRRP runs on (e.g. "eth0").</param>
    /// <param name="virtualRouterId">The VRID (1 to 255); the last byte of the MAC.</param>
    /// <param name="isIPv6">True for the IPv6 virtual MAC 00-00-5E-00-02-{VRID}.</param>
    /// <param name="name">The macvlan's name; null for <see cref="DefaultName"/>.</param>
    /// <exception cref="ArgumentException">A name or VRID is invalid.</exception>
    /// <exception cref="VrrpTransportException">The kernel refused (EEXIST for an unmarked link of that name, EPERM without CAP_NET_ADMIN, ENODEV for the parent).</exception>
    public static VirtualMacLink Create(NetlinkClient client, string parentInterface, byte virtualRouterId, bool isIPv6 = false, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        name = Validate(parentInterface, virtualRouterId, name, isIPv6);
        Check(client.ResolveIndex(parentInterface, out int parentIndex), "looking up the parent", parentInterface, isIPv6, name);
        if (client.GetLink(name, out var existing).Errno == 0 && existing is not null)
        {
            if (existing.Alias != Mark)
            {
                throw Error($"creating macvlan '{name}'", Errno.EEXIST, parentInterface, isIPv6, name);
            }

            Check(client.DeleteLink(name), $"removing the macvlan '{name}' left by a previous run", parentInterface, isIPv6, name);
        }

        var mac = MacAddress.ForVirtualRouter(virtualRouterId, isIPv6);
        Check(client.CreateMacvlan(name, parentIndex, mac), $"creating macvlan '{name}'", parentInterface, isIPv6, name);
        try
        {
            Check(client.ResolveIndex(name, out int vmacIndex), $"looking up macvlan '{name}'", parentInterface, isIPv6, name);
            Check(client.SetLink(vmacIndex, up: false, Mark), $"marking macvlan '{name}'", parentInterface, isIPv6, name);
            Check(client.SetConf(vmacIndex, isIPv6 ? s_vmacIPv6 : s_vmacIPv4, noIPv6LinkLocal: true), $"configuring macvlan '{name}'", parentInterface, isIPv6, name);
            uint? arpIgnore = null, arpFilter = null;
            if (!isIPv6)
            {
                client.GetIPv4Conf(parentInterface, Nl.IPV4_DEVCONF_ARP_IGNORE, out arpIgnore);
                client.GetIPv4Conf(parentInterface, Nl.IPV4_DEVCONF_ARPFILTER, out arpFilter);
                Check(client.SetConf(parentIndex, s_parent, noIPv6LinkLocal: false), "setting arp_ignore/arp_filter", parentInterface, isIPv6, name);
            }

            Check(client.SetLink(vmacIndex, up: true, alias: null), $"bringing macvlan '{name}' up", parentInterface, isIPv6, name);
            if (isIPv6)
            {
                AddParentLinkLocal(client, parentIndex, vmacIndex, parentInterface, name);
            }

            return new VirtualMacLink(name, parentInterface, isIPv6, arpIgnore, arpFilter);
        }
        catch
        {
            client.DeleteLink(name);
            throw;
        }
    }

    /// <summary>Deletes the macvlan (or any link) named <paramref name="name"/> on a netlink socket of its own. Returns false if it did not exist.</summary>
    /// <exception cref="VrrpTransportException">The kernel refused (EPERM without CAP_NET_ADMIN).</exception>
    public static bool Delete(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using var client = new NetlinkClient();
        return Delete(client, name);
    }

    /// <summary>Deletes the link named <paramref name="name"/>. Returns false if it did not exist.</summary>
    /// <exception cref="VrrpTransportException">The kernel refused (EPERM without CAP_NET_ADMIN).</exception>
    public static bool Delete(NetlinkClient client, string name)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var outcome = client.DeleteLink(name);
        return outcome.Errno switch
        {
            0 => true,
            Errno.ENODEV => false,
            _ => throw Error($"deleting link '{name}'", outcome.Errno, name, isIPv6: false, extAck: outcome.ExtAck),
        };
    }

    /// <summary>Puts back the parent's arp_ignore / arp_filter that <see cref="Create(NetlinkClient, string, byte, bool, string?)"/> changed (best effort).</summary>
    public static void RestoreParent(NetlinkClient client, VirtualMacLink link)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(link);
        if (link.IsIPv6 || link.ParentArpIgnore is null || link.ParentArpFilter is null
            || client.ResolveIndex(link.Parent, out int index).Errno != 0)
        {
            return;
        }

        client.SetConf(index, [new(Nl.IPV4_DEVCONF_ARP_IGNORE, link.ParentArpIgnore.Value), new(Nl.IPV4_DEVCONF_ARPFILTER, link.ParentArpFilter.Value)], noIPv6LinkLocal: false);
    }

    private static void AddParentLinkLocal(NetlinkClient client, int parentIndex, int vmacIndex, string parent, string name)
    {
        var addresses = new List<(BoundAddress Address, byte Scope)>();
        Check(client.ListAddresses(parentIndex, addresses), $"listing the addresses of '{parent}'", parent, isIPv6: true, name);
        var linkLocal = addresses.Select(a => a.Address.Address).FirstOrDefault(a => a.IsIPv6LinkLocal)
            ?? throw Error("finding the parent's IPv6 link-local address", Errno.EADDRNOTAVAIL, parent, isIPv6: true, name);
        var vip = new VipAddress(new IPAddress(linkLocal.GetAddressBytes()), 64);
        Check(client.ChangeAddress(add: true, vmacIndex, vip, new VipBindOptions { NoDad = true, MarkOwned = false }),
            $"adding {vip.Address} to macvlan '{name}'", parent, isIPv6: true, name);
    }

    private static string Validate(string parentInterface, byte virtualRouterId, string? name, bool isIPv6)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parentInterface);
        ArgumentOutOfRangeException.ThrowIfZero(virtualRouterId);
        name ??= DefaultName(virtualRouterId, isIPv6);
        if (name.Length is 0 or > Nl.MaxInterfaceNameLength || name.Contains('/', StringComparison.Ordinal) || name.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"'{name}' is not a valid Linux interface name (1-15 characters, no '/' or spaces).", nameof(name));
        }

        return name;
    }

    private static void Check(NetlinkClient.Outcome outcome, string operation, string parent, bool isIPv6, string vmac)
    {
        if (outcome.Errno != 0)
        {
            throw Error(operation, outcome.Errno, parent, isIPv6, vmac, outcome.ExtAck);
        }
    }

    private static VrrpTransportException Error(string operation, int errno, string parent, bool isIPv6, string? vmac = null, string? extAck = null)
    {
        var hint = errno switch
        {
            Errno.EPERM or Errno.EACCES => "needs CAP_NET_ADMIN",
            Errno.EEXIST => $"an interface named '{vmac}' already exists and is not VirtualIp's (keepalived's use_vmac, or made by hand?)",
            Errno.EOPNOTSUPP => "the kernel has no macvlan support (modprobe macvlan)",
            _ => VrrpTransportErrors.HintFor(errno, parent, isIPv6),
        };
        var text = extAck is null ? "" : $" ({extAck})";
        return new VrrpTransportException($"VRRP virtual MAC on '{parent}': {operation} failed{text}", errno, parent, hint);
    }
}

/// <summary>A virtual MAC macvlan that <see cref="LinuxVirtualMac"/> created, with the parent's ARP settings it replaced.</summary>
internal sealed record VirtualMacLink(string Name, string Parent, bool IsIPv6, uint? ParentArpIgnore, uint? ParentArpFilter);
