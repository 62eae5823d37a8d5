using VirtualIp.Linux.Netlink;

namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// The virtual MAC macvlans one <see cref="LinuxPlatform"/> made (<see cref="LinuxVirtualMac"/>), on one netlink
/// client: which parent each sits on (the transport takes its IPv4 source address from the parent), and the parent's
/// ARP settings, put back when its last macvlan goes. Thread-safe.
/// </summary>
internal sealed class VirtualMacInterfaces : IDisposable
{
    private readonly Dictionary<string, VirtualMacLink> _links = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private NetlinkClient? _client;

    /// <summary>Creates the macvlan of VRID <paramref name="virtualRouterId"/> over <paramref name="parent"/> (replacing a marked leftover); returns its name.</summary>
    public string Create(string parent, byte virtualRouterId, bool isIPv6)
    {
        lock (_gate)
        {
            var previous = _links.Values.FirstOrDefault(l => l.Parent == parent && !l.IsIPv6);
            var link = LinuxVirtualMac.Create(_client ??= new NetlinkClient(), parent, virtualRouterId, isIPv6);
            if (previous is not null)
            {
                // The parent's settings were changed by the first macvlan; remember the original ones, not ours.
                link = link with { ParentArpIgnore = previous.ParentArpIgnore, ParentArpFilter = previous.ParentArpFilter };
            }

            _links[link.Name] = link;
            return link.Name;
        }
    }

    /// <summary>The parent interface of the macvlan <paramref name="name"/>, or null if this platform did not make it.</summary>
    public string? ParentOf(string name)
    {
        lock (_gate)
        {
            return _links.GetValueOrDefault(name)?.Parent;
        }
    }

    /// <summary>Deletes the macvlan <paramref name="name"/>; the parent's ARP settings are put back with its last one.</summary>
    public void Remove(string name)
    {
        lock (_gate)
        {
            if (!_links.Remove(name, out var link))
            {
                return;
            }

            var client = _client ??= new NetlinkClient();
            LinuxVirtualMac.Delete(client, name);
            if (!link.IsIPv6 && !_links.Values.Any(l => l.Parent == link.Parent && !l.IsIPv6))
            {
                LinuxVirtualMac.RestoreParent(client, link);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _client?.Dispose();
            _client = null;
        }
    }
}
