using System.Net;
using VirtualIp.Binding;
using VirtualIp.Windows.Interop;

namespace VirtualIp.Windows.Watching;

/// <summary>What an IP Helper notification reports (MIB_NOTIFICATION_TYPE).</summary>
internal enum MibNotificationType
{
    /// <summary>A parameter of an existing instance changed.</summary>
    Parameter = 0,

    /// <summary>An instance was added.</summary>
    Add = 1,

    /// <summary>An instance was deleted.</summary>
    Delete = 2,

    /// <summary>The initial notification on registration (no instance).</summary>
    Initial = 3,
}

/// <summary>A link's state as read with GetIfEntry2: its alias (the name VirtualIp configuration uses) and whether it is up.</summary>
internal readonly record struct LinkSnapshot(int Index, string? Name, bool IsUp);

/// <summary>
/// Turns IP Helper notifications into <see cref="AddressChangedEventArgs"/> with the contract of the Linux netlink
/// watcher: an address add or delete becomes <see cref="AddressChangeKind.AddressAdded"/> or
/// <see cref="AddressChangeKind.AddressRemoved"/>; a link event only when a link's up state changes (a link seen for the
/// first time reports <see cref="AddressChangeKind.LinkUp"/> when it is up; a deleted link that was up reports
/// <see cref="AddressChangeKind.LinkDown"/>). Pure logic, so it is tested on any OS. Not thread-safe: the caller serializes.
/// </summary>
internal sealed class AddressChangeTranslator
{
    private readonly Dictionary<int, LinkSnapshot> _links = [];
    private readonly Dictionary<(int, IPAddress), int> _prefixes = [];

    /// <summary>The links known so far.</summary>
    public int LinkCount => _links.Count;

    /// <summary>The name of a known link, or null.</summary>
    public string? NameOf(int index) => _links.TryGetValue(index, out var l) ? l.Name : null;

    /// <summary>Records the links present at start without raising anything.</summary>
    public void Seed(IEnumerable<LinkSnapshot> links)
    {
        foreach (var l in links)
        {
            _links[l.Index] = l;
        }
    }

    /// <summary>Records the addresses present at start (their prefix lengths are needed when they are deleted).</summary>
    public void SeedAddresses(IEnumerable<(int InterfaceIndex, IPAddress Address, int PrefixLength)> addresses)
    {
        foreach (var (index, address, prefix) in addresses)
        {
            _prefixes[(index, address)] = prefix;
        }
    }

    /// <summary>
    /// Translates a unicast address notification; null when nothing is raised. <paramref name="prefixLength"/> is what
    /// the notification (or a lookup) gave, 0 when unknown: a delete notification may not carry it, so the prefix recorded
    /// when the address appeared is used (the engine matches removed VIPs by address and prefix).
    /// </summary>
    public AddressChangedEventArgs? OnAddress(MibNotificationType type, int interfaceIndex, IPAddress? address, int prefixLength)
    {
        if (address is null)
        {
            return null;
        }

        var key = (interfaceIndex, address);
        switch (type)
        {
            case MibNotificationType.Add:
                _prefixes[key] = prefixLength;
                return new AddressChangedEventArgs(AddressChangeKind.AddressAdded, interfaceIndex, NameOf(interfaceIndex), address, prefixLength);
            case MibNotificationType.Delete:
                if (_prefixes.Remove(key, out int known) && prefixLength == 0)
                {
                    prefixLength = known;
                }

                return new AddressChangedEventArgs(AddressChangeKind.AddressRemoved, interfaceIndex, NameOf(interfaceIndex), address, prefixLength);
            case MibNotificationType.Parameter when prefixLength != 0:
                _prefixes[key] = prefixLength; // lifetimes or DAD state changed: nothing to raise, keep the prefix current
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// Translates an interface notification. <paramref name="current"/> is the link read after the notification, or null
    /// when it no longer exists. Null when the up state did not change.
    /// </summary>
    public AddressChangedEventArgs? OnInterface(MibNotificationType type, int interfaceIndex, LinkSnapshot? current)
    {
        if (type == MibNotificationType.Initial)
        {
            return null;
        }

        bool had = _links.TryGetValue(interfaceIndex, out var old);
        if (type == MibNotificationType.Delete || current is null)
        {
            // One interface notification per family: the link is gone only when GetIfEntry2 no longer finds it.
            if (current is null && had)
            {
                _links.Remove(interfaceIndex);
                return old.IsUp ? new AddressChangedEventArgs(AddressChangeKind.LinkDown, interfaceIndex, old.Name, null, 0) : null;
            }

            if (current is null)
            {
                return null;
            }
        }

        var link = current.Value;
        if (link.Name is null && had)
        {
            link = link with { Name = old.Name };
        }

        _links[interfaceIndex] = link;
        bool changed = had ? old.IsUp != link.IsUp : link.IsUp;
        return changed ? new AddressChangedEventArgs(link.IsUp ? AddressChangeKind.LinkUp : AddressChangeKind.LinkDown, interfaceIndex, link.Name, null, 0) : null;
    }

    /// <summary>The address in a SOCKADDR_INET, or null for another family.</summary>
    public static unsafe IPAddress? ToAddress(in SOCKADDR_INET sa)
    {
        switch (sa.si_family)
        {
            case IpHlpApi.AF_INET:
                return new IPAddress(sa.Ipv4); // stored in network order, as IPAddress(long) expects on little-endian
            case IpHlpApi.AF_INET6:
                fixed (byte* p = sa.Ipv6)
                {
                    return new IPAddress(new ReadOnlySpan<byte>(p, 16), sa.scope_id);
                }

            default:
                return null;
        }
    }

    /// <summary>Whether a MIB_IF_ROW2 is up: administratively up and operationally up (carrier), as on Linux.</summary>
    public static bool IsUp(int adminStatus, int operStatus) => adminStatus == IfAdminStatusUp && operStatus == IfOperStatusUp;

    /// <summary>NET_IF_ADMIN_STATUS_UP.</summary>
    public const int IfAdminStatusUp = 1;

    /// <summary>IF_OPER_STATUS IfOperStatusUp.</summary>
    public const int IfOperStatusUp = 1;
}
