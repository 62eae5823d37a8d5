using System.Net;

namespace VirtualIp.Balancing;

/// <summary>
/// Source allow and deny lists (deny wins; an empty allow list allows all). IPv4-mapped IPv6 sources match IPv4
/// entries. Matching is <see cref="IPNetwork.Contains"/>, which allocates nothing.
/// </summary>
internal sealed class SourceAcl
{
    private readonly IPNetwork[] _allow;
    private readonly IPNetwork[] _deny;

    public SourceAcl(IEnumerable<string> allow, IEnumerable<string> deny)
    {
        _allow = [.. allow.Select(Cidr.Parse)];
        _deny = [.. deny.Select(Cidr.Parse)];
    }

    public bool IsEmpty => _allow.Length == 0 && _deny.Length == 0;

    public bool IsAllowed(IPAddress address)
    {
        if (IsEmpty)
        {
            return true;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var c in _deny)
        {
            if (c.Contains(address))
            {
                return false;
            }
        }

        if (_allow.Length == 0)
        {
            return true;
        }

        foreach (var c in _allow)
        {
            if (c.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
