using System.Net;
using VirtualIp.Addressing;

namespace VirtualIp.Binding;

/// <summary>
/// Puts VIPs on and takes them off a network interface through the operating system
/// (rtnetlink on Linux, the IP Helper API on Windows). Every operation is idempotent.
/// </summary>
public interface IVipBinder
{
    /// <summary>Adds <paramref name="vip"/> to the interface. Returns false if it was already there.</summary>
    /// <exception cref="VipBindingException">The OS refused; the exception carries the error code and a hint.</exception>
    ValueTask<bool> AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="vip"/> from the interface. Returns false if it was not there.</summary>
    ValueTask<bool> RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken = default);

    /// <summary>Lists the addresses currently on the interface.</summary>
    ValueTask<IReadOnlyList<BoundAddress>> ListAsync(string interfaceName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes addresses that carry this library's ownership mark but that the caller does not want
    /// (left behind by a crashed process). Foreign addresses are never touched.
    /// </summary>
    /// <returns>The addresses removed.</returns>
    ValueTask<IReadOnlyList<BoundAddress>> RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep = null, CancellationToken cancellationToken = default);

    /// <summary>Facts about an interface: index, MAC, MTU, link state, primary addresses.</summary>
    /// <exception cref="VipBindingException">The interface does not exist.</exception>
    ValueTask<InterfaceInfo> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default);
}

/// <summary>How a VIP is added.</summary>
public sealed class VipBindOptions
{
    /// <summary>Skip IPv6 duplicate address detection so the address is usable at once (default true).</summary>
    public bool NoDad { get; init; } = true;

    /// <summary>Do not create the prefix route for the address (default false).</summary>
    public bool NoPrefixRoute { get; init; }

    /// <summary>An IPv4 address label (at most 15 characters, must start with the interface name).</summary>
    public string? Label { get; init; }

    /// <summary>Mark the address as owned by this library so a restarted node can clean it up (default true).</summary>
    public bool MarkOwned { get; init; } = true;
}

/// <summary>An address found on an interface.</summary>
/// <param name="Address">The address.</param>
/// <param name="PrefixLength">The prefix length.</param>
/// <param name="InterfaceIndex">The interface index.</param>
/// <param name="Label">The IPv4 label, if any.</param>
/// <param name="Flags">Raw OS flags (IFA_F_* on Linux).</param>
/// <param name="IsOwned">True if the address carries this library's ownership mark.</param>
public sealed record BoundAddress(IPAddress Address, int PrefixLength, int InterfaceIndex, string? Label, uint Flags, bool IsOwned)
{
    /// <summary>The address as a <see cref="VipAddress"/>.</summary>
    public VipAddress ToVip() => new(Address, PrefixLength);
}

/// <summary>Facts about a network interface.</summary>
/// <param name="Name">The interface name.</param>
/// <param name="Index">The OS interface index.</param>
/// <param name="Mac">The hardware address.</param>
/// <param name="Mtu">The MTU.</param>
/// <param name="IsUp">Administratively up and with carrier.</param>
/// <param name="PrimaryIPv4">The first IPv4 address, if any.</param>
/// <param name="IPv6LinkLocal">The IPv6 link-local address, if any.</param>
public sealed record InterfaceInfo(string Name, int Index, MacAddress Mac, int Mtu, bool IsUp, IPAddress? PrimaryIPv4, IPAddress? IPv6LinkLocal);
