using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Netlink;

/// <summary>
/// <see cref="IVipBinder"/> over rtnetlink: no child processes, one socket, preallocated buffers. An add or remove
/// of an address costs one request and one ack and allocates nothing. Addresses it adds carry the
/// <see cref="OwnershipMark"/> (IFA_PROTO) unless <see cref="VipBindOptions.MarkOwned"/> is false.
/// </summary>
/// <remarks>
/// The binder works in the network namespace of the thread that constructed it. Calls complete synchronously
/// (the kernel answers in microseconds); the returned <see cref="ValueTask"/>s are already completed.
/// </remarks>
internal sealed partial class NetlinkVipBinder : IVipBinder, IDisposable
{
    private static readonly VipBindOptions s_defaultOptions = new();
    private readonly NetlinkClient _client;
    private readonly ConcurrentDictionary<string, int> _indexCache = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private int _markState; // 0 = not known yet, 1 = the kernel keeps IFA_PROTO, 2 = it dropped it
    private int _cleanupWarned;

    public NetlinkVipBinder(ILogger? logger = null)
    {
        _client = new NetlinkClient();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Whether the kernel kept the ownership mark on the first address this binder added with it (null until then).
    /// False means crash cleanup cannot work here: see <see cref="OwnershipMark"/>.
    /// </summary>
    internal bool? KernelKeepsMark => Volatile.Read(ref _markState) switch { 1 => true, 2 => false, _ => null };

    /// <inheritdoc />
    public ValueTask<bool> AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<bool>(Add(interfaceName, vip, options));
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<bool>(Remove(interfaceName, vip));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<BoundAddress>> ListAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<IReadOnlyList<BoundAddress>>(List(interfaceName));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<BoundAddress>> RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (KernelKeepsMark != true && !OwnershipMark.IsKeptBy(OwnershipMark.RunningKernel) && Interlocked.Exchange(ref _cleanupWarned, 1) == 0)
        {
            Log.CleanupUnavailable(_logger, OwnershipMark.RunningKernel, interfaceName);
        }

        var removed = new List<BoundAddress>();
        foreach (var a in List(interfaceName))
        {
            if (!a.IsOwned || (keep is not null && keep.Contains(a.ToVip())))
            {
                continue;
            }

            if (Remove(interfaceName, a.ToVip()))
            {
                removed.Add(a);
            }
        }

        return new ValueTask<IReadOnlyList<BoundAddress>>(removed);
    }

    /// <inheritdoc />
    public ValueTask<InterfaceInfo> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        cancellationToken.ThrowIfCancellationRequested();
        var outcome = _client.GetLink(interfaceName, out var link);
        if (outcome.Errno != 0 || link is null)
        {
            throw NetlinkErrors.Create($"Looking up interface '{interfaceName}'", interfaceName, outcome.Errno == 0 ? Errno.ENODEV : outcome.Errno, outcome.ExtAck);
        }

        _indexCache[interfaceName] = link.Index;
        var addresses = new List<(BoundAddress Address, byte Scope)>();
        var listed = _client.ListAddresses(link.Index, addresses);
        ThrowIfFailed(listed, $"Listing the addresses of '{interfaceName}'", interfaceName);
        System.Net.IPAddress? v4 = null, ll = null;
        foreach (var (a, _) in addresses)
        {
            if (v4 is null && a.Address.AddressFamily == AddressFamily.InterNetwork && (a.Flags & Nl.IFA_F_SECONDARY) == 0)
            {
                v4 = a.Address;
            }
            else if (ll is null && a.Address.IsIPv6LinkLocal)
            {
                ll = a.Address;
            }
        }

        return new ValueTask<InterfaceInfo>(new InterfaceInfo(link.Name ?? interfaceName, link.Index, link.Mac, link.Mtu, link.IsUp, v4, ll));
    }

    /// <summary>Adds an address; false if it was already there. Allocates nothing on success.</summary>
    internal bool Add(string interfaceName, VipAddress vip, VipBindOptions? options)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        ArgumentNullException.ThrowIfNull(vip);
        options ??= s_defaultOptions;
        ValidateLabel(interfaceName, vip, options);
        var outcome = WithIndex(interfaceName, static (c, index, s) => c.ChangeAddress(true, index, s.vip, s.options), (vip, options), out _);
        if (outcome.Errno == Errno.EEXIST)
        {
            return false;
        }

        ThrowIfFailed(outcome, vip, interfaceName, adding: true);
        if (options.MarkOwned && Volatile.Read(ref _markState) == 0)
        {
            CheckMarkKept(interfaceName, vip);
        }

        return true;
    }

    /// <summary>Once per binder: reads the address just added back and records whether the kernel kept IFA_PROTO.</summary>
    private void CheckMarkKept(string interfaceName, VipAddress vip)
    {
        var added = List(interfaceName).FirstOrDefault(a => a.Address.Equals(vip.Address) && a.PrefixLength == vip.PrefixLength);
        if (added is null)
        {
            return; // already removed by someone else: decide on the next add
        }

        if (Interlocked.CompareExchange(ref _markState, added.IsOwned ? 1 : 2, 0) == 0 && !added.IsOwned)
        {
            Log.MarkDropped(_logger, OwnershipMark.RunningKernel, vip.ToString(), interfaceName);
        }
    }

    /// <summary>Removes an address; false if it was not there. Allocates nothing on success.</summary>
    internal bool Remove(string interfaceName, VipAddress vip)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        ArgumentNullException.ThrowIfNull(vip);
        var outcome = WithIndex(interfaceName, static (c, index, v) => c.ChangeAddress(false, index, v, null), vip, out _);
        if (outcome.Errno is Errno.EADDRNOTAVAIL or Errno.ENOENT or Errno.ESRCH)
        {
            return false;
        }

        ThrowIfFailed(outcome, vip, interfaceName, adding: false);
        return true;
    }

    /// <summary>Lists the addresses of one interface.</summary>
    internal IReadOnlyList<BoundAddress> List(string interfaceName)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        var addresses = new List<(BoundAddress Address, byte Scope)>();
        var outcome = WithIndex(interfaceName, static (c, index, list) => c.ListAddresses(index, list), addresses, out _);
        ThrowIfFailed(outcome, $"Listing the addresses of '{interfaceName}'", interfaceName);
        var result = new BoundAddress[addresses.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = addresses[i].Address;
        }

        return result;
    }

    /// <summary>Resolves the interface index (cached; re-resolved once if the kernel says the index is gone).</summary>
    internal int ResolveIndex(string interfaceName)
    {
        if (_indexCache.TryGetValue(interfaceName, out int index))
        {
            return index;
        }

        var outcome = _client.ResolveIndex(interfaceName, out index);
        if (outcome.Errno != 0)
        {
            throw NetlinkErrors.Create($"Looking up interface '{interfaceName}'", interfaceName, outcome.Errno, outcome.ExtAck);
        }

        _indexCache[interfaceName] = index;
        return index;
    }

    private NetlinkClient.Outcome WithIndex<TState>(string interfaceName, Func<NetlinkClient, int, TState, NetlinkClient.Outcome> op, TState state, out int index)
    {
        bool cached = _indexCache.ContainsKey(interfaceName);
        index = ResolveIndex(interfaceName);
        var outcome = op(_client, index, state);
        if (outcome.Errno == Errno.ENODEV && cached)
        {
            // The interface was deleted (and perhaps recreated with another index): resolve again, once.
            _indexCache.TryRemove(interfaceName, out _);
            index = ResolveIndex(interfaceName);
            outcome = op(_client, index, state);
        }

        return outcome;
    }

    private static void ValidateLabel(string interfaceName, VipAddress vip, VipBindOptions options)
    {
        if (options.Label is not { } label || vip.IsIPv6)
        {
            return;
        }

        if (label.Length == 0 || label.Length > Nl.MaxInterfaceNameLength || !label.StartsWith(interfaceName, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The label '{label}' must be 1 to {Nl.MaxInterfaceNameLength} characters and start with the interface name '{interfaceName}' (e.g. '{interfaceName}:vip').",
                nameof(options));
        }
    }

    private static void ThrowIfFailed(NetlinkClient.Outcome outcome, VipAddress vip, string interfaceName, bool adding)
    {
        if (outcome.Errno != 0)
        {
            string op = adding ? $"Adding {vip} to '{interfaceName}'" : $"Removing {vip} from '{interfaceName}'";
            throw NetlinkErrors.Create(op, interfaceName, outcome.Errno, outcome.ExtAck);
        }
    }

    private static void ThrowIfFailed(NetlinkClient.Outcome outcome, string operation, string interfaceName)
    {
        if (outcome.Errno != 0)
        {
            throw NetlinkErrors.Create(operation, interfaceName, outcome.Errno, outcome.ExtAck);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
