using System.Runtime.InteropServices;
using VirtualIp.Addressing;
using VirtualIp.Linux.Vrrp.Interop;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// The VRRP virtual MAC (keepalived <c>use_vmac</c>): a macvlan in private mode over the VRRP interface with
/// MAC 00-00-5E-00-01-{VRID} (IPv4) or 00-00-5E-00-02-{VRID} (IPv6), created up. Run the VRRP transport and bind the
/// VIPs on it so peers learn the virtual MAC, which then moves with the master. Needs CAP_NET_ADMIN; call it in the
/// network namespace of the parent interface.
/// </summary>
internal static class LinuxVirtualMac
{
    /// <summary>keepalived's default name for the macvlan: <c>vrrp.{VRID}</c> (IPv4) or <c>vrrp6.{VRID}</c> (IPv6).</summary>
    /// <param name="virtualRouterId">The VRID.</param>
    /// <param name="isIPv6">True for the IPv6 virtual router.</param>
    public static string DefaultName(byte virtualRouterId, bool isIPv6 = false) => $"{(isIPv6 ? "vrrp6" : "vrrp")}.{virtualRouterId}";

    /// <summary>Creates the macvlan and brings it up; returns its name.</summary>
    /// <param name="parentInterface">The interface VRRP runs on (e.g. "eth0").</param>
    /// <param name="virtualRouterId">The VRID (1 to 255); the last byte of the MAC.</param>
    /// <param name="isIPv6">True for the IPv6 virtual MAC 00-00-5E-00-02-{VRID}.</param>
    /// <param name="name">The macvlan's name; null for <see cref="DefaultName"/>.</param>
    /// <exception cref="ArgumentException">A name or VRID is invalid.</exception>
    /// <exception cref="VrrpTransportException">The kernel refused (EEXIST if it already exists, EPERM without CAP_NET_ADMIN, ENODEV for the parent).</exception>
    public static string Create(string parentInterface, byte virtualRouterId, bool isIPv6 = false, string? name = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parentInterface);
        ArgumentOutOfRangeException.ThrowIfZero(virtualRouterId);
        name ??= DefaultName(virtualRouterId, isIPv6);
        if (name.Length is 0 or > 15 || name.Contains('/', StringComparison.Ordinal) || name.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"'{name}' is not a valid Linux interface name (1-15 characters, no '/' or spaces).", nameof(name));
        }

        var parentIndex = (int)VrrpNative.IfNameToIndex(parentInterface);
        if (parentIndex == 0)
        {
            var e = Marshal.GetLastPInvokeError();
            throw Error("if_nametoindex", e == 0 ? VrrpNative.ENODEV : e, parentInterface, isIPv6);
        }

        Span<byte> mac = stackalloc byte[MacAddress.Length];
        MacAddress.ForVirtualRouter(virtualRouterId, isIPv6).WriteTo(mac);
        Span<byte> request = stackalloc byte[256];
        var sequence = (uint)Environment.TickCount;
        var length = VrrpNetlink.WriteNewMacvlan(request, sequence, name, parentIndex, mac, VrrpNetlink.MacvlanModePrivate);
        var errno = VrrpNetlink.Execute(request[..length], sequence);
        if (errno != 0)
        {
            throw Error($"creating macvlan '{name}'", errno, parentInterface, isIPv6, name);
        }

        return name;
    }

    /// <summary>Deletes the macvlan (or any link) named <paramref name="name"/>. Returns false if it did not exist.</summary>
    /// <exception cref="VrrpTransportException">The kernel refused (EPERM without CAP_NET_ADMIN).</exception>
    public static bool Delete(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Span<byte> request = stackalloc byte[128];
        var sequence = (uint)Environment.TickCount;
        var length = VrrpNetlink.WriteDeleteLink(request, sequence, name);
        var errno = VrrpNetlink.Execute(request[..length], sequence);
        return errno switch
        {
            0 => true,
            VrrpNative.ENODEV => false,
            _ => throw Error($"deleting link '{name}'", errno, name, isIPv6: false),
        };
    }

    private static VrrpTransportException Error(string operation, int errno, string parent, bool isIPv6, string? vmac = null)
    {
        var hint = errno switch
        {
            VrrpNative.EPERM or VrrpNative.EACCES => "needs CAP_NET_ADMIN",
            17 => $"an interface named '{vmac}' already exists (left by a previous run or by keepalived?)",
            95 => "the kernel has no macvlan support (modprobe macvlan)",
            _ => VrrpTransportErrors.HintFor(errno, parent, isIPv6),
        };
        return new VrrpTransportException($"VRRP virtual MAC on '{parent}': {operation} failed", errno, parent, hint);
    }
}
