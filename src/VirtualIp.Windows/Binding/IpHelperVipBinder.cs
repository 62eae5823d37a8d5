using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Windows.Interop;

namespace VirtualIp.Windows.Binding;

/// <summary>
/// Binds VIPs through the IP Helper API (CreateUnicastIpAddressEntry / DeleteUnicastIpAddressEntry).
/// VIPs are added with SkipAsSource (outgoing connections keep using the primary address) and, when
/// <see cref="VipBindOptions.NoDad"/> is set, in the Preferred DAD state so they are usable at once.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class IpHelperVipBinder : IVipBinder
{
    private readonly OwnershipLedger _ledger;
    private readonly IIpHelper _ip;

    public IpHelperVipBinder(OwnershipLedger ledger, IIpHelper? ipHelper = null)
    {
        _ledger = ledger;
        _ip = ipHelper ?? IpHelperNative.Instance;
    }

    public ValueTask<bool> AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vip);
        options ??= new VipBindOptions();
        var (luid, index) = ResolveInterface(interfaceName);
        _ip.InitializeUnicastIpAddressEntry(out var row);
        IpHelperMarshal.WriteAddress(ref row.Address, vip.Address);
        row.InterfaceLuid = luid;
        row.InterfaceIndex = index;
        row.OnLinkPrefixLength = (byte)vip.PrefixLength;
        row.SkipAsSource = 1;
        row.PrefixOrigin = IpHlpApi.IpPrefixOriginManual;
        row.SuffixOrigin = IpHlpApi.IpSuffixOriginManual;
        row.ValidLifetime = IpHlpApi.InfiniteLifetime;
        row.PreferredLifetime = IpHlpApi.InfiniteLifetime;
        if (options.NoDad)
        {
            row.DadState = IpHlpApi.IpDadStatePreferred;
        }

        int rc = _ip.CreateUnicastIpAddressEntry(row);
        if (rc == IpHlpApi.ERROR_OBJECT_ALREADY_EXISTS)
        {
            return ValueTask.FromResult(false);
        }

        IpHelperMarshal.ThrowOnError(rc, $"Adding {vip} to '{interfaceName}'", interfaceName);
        if (options.MarkOwned)
        {
            _ledger.Add(interfaceName, vip);
        }

        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vip);
        var (luid, index) = ResolveInterface(interfaceName);
        _ip.InitializeUnicastIpAddressEntry(out var row);
        IpHelperMarshal.WriteAddress(ref row.Address, vip.Address);
        row.InterfaceLuid = luid;
        row.InterfaceIndex = index;
        int rc = _ip.DeleteUnicastIpAddressEntry(row);
        _ledger.Remove(interfaceName, vip);
        if (rc is IpHlpApi.ERROR_NOT_FOUND or IpHlpApi.ERROR_FILE_NOT_FOUND)
        {
            return ValueTask.FromResult(false);
        }

        IpHelperMarshal.ThrowOnError(rc, $"Removing {vip} from '{interfaceName}'", interfaceName);
        return ValueTask.FromResult(true);
    }

    public ValueTask<IReadOnlyList<BoundAddress>> ListAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        var (_, index) = ResolveInterface(interfaceName);
        var owned = _ledger.Read().Where(e => e.Interface == interfaceName).Select(e => e.Vip.Address).ToHashSet();
        IpHelperMarshal.ThrowOnError(_ip.GetUnicastIpAddressRows(out var rows), "Listing addresses", interfaceName);
        var result = new List<BoundAddress>();
        foreach (ref readonly var row in rows.AsSpan())
        {
            if (row.InterfaceIndex != index)
            {
                continue;
            }

            var address = IpHelperMarshal.ReadAddress(row.Address);
            if (address is not null)
            {
                result.Add(new BoundAddress(address, row.OnLinkPrefixLength, (int)row.InterfaceIndex, null, (uint)row.DadState, owned.Contains(address)));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<BoundAddress>>(result);
    }

    public async ValueTask<IReadOnlyList<BoundAddress>> RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep = null, CancellationToken cancellationToken = default)
    {
        var removed = new List<BoundAddress>();
        foreach (var bound in await ListAsync(interfaceName, cancellationToken).ConfigureAwait(false))
        {
            if (bound.IsOwned && (keep is null || !keep.Contains(bound.ToVip())))
            {
                await RemoveAsync(interfaceName, bound.ToVip(), cancellationToken).ConfigureAwait(false);
                removed.Add(bound);
            }
        }

        return removed;
    }

    public unsafe ValueTask<InterfaceInfo> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        var (luid, index) = ResolveInterface(interfaceName);
        MIB_IF_ROW2 row = default;
        row.InterfaceLuid = luid;
        IpHelperMarshal.ThrowOnError(_ip.GetIfEntry2(ref row), "Reading the interface", interfaceName);
        var mac = row.PhysicalAddressLength == 6 ? new MacAddress(new ReadOnlySpan<byte>(row.PhysicalAddress, 6)) : MacAddress.Zero;
        const int IfOperStatusUp = 1;
        var (v4, ll) = _ip.GetInterfaceAddresses(interfaceName);

        return ValueTask.FromResult(new InterfaceInfo(interfaceName, (int)index, mac, (int)row.Mtu, row.OperStatus == IfOperStatusUp, v4, ll));
    }

    private (ulong Luid, uint Index) ResolveInterface(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        int rc = _ip.ConvertInterfaceAliasToLuid(interfaceName, out ulong luid);
        if (rc != IpHlpApi.NO_ERROR)
        {
            throw new VipBindingException($"Interface '{interfaceName}' was not found", rc, $"interface '{interfaceName}' does not exist (use the alias shown by Get-NetAdapter)");
        }

        IpHelperMarshal.ThrowOnError(_ip.ConvertInterfaceLuidToIndex(luid, out uint index), "Resolving the interface index", interfaceName);
        return (luid, index);
    }
}

/// <summary>Platform-neutral marshalling and error mapping for the IP Helper binder (testable on any OS).</summary>
internal static class IpHelperMarshal
{
    internal static unsafe void WriteAddress(ref SOCKADDR_INET sa, IPAddress address)
    {
        sa = default;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            sa.si_family = IpHlpApi.AF_INET;
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            sa.Ipv4 = BitConverter.ToUInt32(b);
        }
        else
        {
            sa.si_family = IpHlpApi.AF_INET6;
            fixed (byte* p = sa.Ipv6)
            {
                address.TryWriteBytes(new Span<byte>(p, 16), out _);
            }

            sa.scope_id = (uint)address.ScopeId;
        }
    }

    internal static unsafe IPAddress? ReadAddress(in SOCKADDR_INET sa)
    {
        if (sa.si_family == IpHlpApi.AF_INET)
        {
            return new IPAddress(sa.Ipv4);
        }

        if (sa.si_family == IpHlpApi.AF_INET6)
        {
            fixed (byte* p = sa.Ipv6)
            {
                return new IPAddress(new ReadOnlySpan<byte>(p, 16), sa.scope_id);
            }
        }

        return null;
    }

    internal static void ThrowOnError(int rc, string operation, string interfaceName)
    {
        if (rc == IpHlpApi.NO_ERROR)
        {
            return;
        }

        throw rc switch
        {
            IpHlpApi.ERROR_ACCESS_DENIED => new VipBindingException(operation + " was denied", rc, "needs an elevated process (Administrator)"),
            IpHlpApi.ERROR_INVALID_PARAMETER => new VipBindingException(operation + " was rejected", rc, $"invalid parameter: check the address family and prefix length, and that '{interfaceName}' has that protocol enabled"),
            IpHlpApi.ERROR_NOT_FOUND or IpHlpApi.ERROR_FILE_NOT_FOUND => new VipBindingException(operation + " failed", rc, $"interface '{interfaceName}' does not exist"),
            _ => new VipBindingException(operation + " failed", rc, "Win32 error " + rc),
        };
    }
}
