using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// Creates VRRP virtual routers. Routers on the same interface, family and unicast peers share one transport
/// (one receive path, dispatch by VRID); routers naming the same <see cref="VrrpRouterOptions.SyncGroup"/> move together.
/// </summary>
public static class VirtualRouterFactory
{
    /// <summary>Creates one virtual router on <paramref name="transport"/>.</summary>
    /// <param name="options">The router configuration; validated (throws <see cref="OptionsValidationException"/> naming the bad keys).</param>
    /// <param name="transport">Carries the adverts; disposed with the router.</param>
    /// <param name="binder">Adds and removes the VIPs.</param>
    /// <param name="announcer">Announces the VIPs while master (gratuitous ARP / unsolicited NA), or null.</param>
    /// <param name="timeProvider">The clock for every timer (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="loggerFactory">Logging (default none).</param>
    public static IVirtualRouter Create(VrrpRouterOptions options, IVrrpTransport transport, IVipBinder binder, IVipAnnouncer? announcer = null,
        TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return CreateCore([options], _ => transport, binder, announcer, timeProvider, loggerFactory)[0];
    }

    /// <summary>
    /// Creates several virtual routers. <paramref name="transportFactory"/> is called once per distinct
    /// (interface, address family, unicast peers) with the first router of that group; the routers of the group share the transport.
    /// </summary>
    /// <param name="routers">The router configurations, validated together (key "VirtualIp:Routers:{index}"; a VRID used twice on one interface and family is an error).</param>
    /// <param name="transportFactory">Opens the transport for a router's interface and family.</param>
    /// <param name="binder">Adds and removes the VIPs.</param>
    /// <param name="announcer">Announces the VIPs while master, or null.</param>
    /// <param name="timeProvider">The clock for every timer (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="loggerFactory">Logging (default none).</param>
    public static IReadOnlyList<IVirtualRouter> Create(IEnumerable<VrrpRouterOptions> routers, Func<VrrpRouterOptions, IVrrpTransport> transportFactory,
        IVipBinder binder, IVipAnnouncer? announcer = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null) =>
        CreateCore(routers, transportFactory, binder, announcer, timeProvider, loggerFactory);

    /// <summary>Validates router configurations; the messages name the key and value, e.g. "VirtualIp:Routers:0:Priority = 300 is out of range 1..255".</summary>
    /// <param name="routers">The configurations.</param>
    /// <param name="keyPrefix">The configuration section holding the list.</param>
    public static IReadOnlyList<string> Validate(IEnumerable<VrrpRouterOptions> routers, string keyPrefix = "VirtualIp:Routers")
    {
        ArgumentNullException.ThrowIfNull(routers);
        var list = routers.ToList();
        var errors = new List<string>();
        var seen = new Dictionary<(string, bool, int), int>();
        for (int i = 0; i < list.Count; i++)
        {
            string key = $"{keyPrefix}:{i}";
            errors.AddRange(VrrpRouterOptionsValidator.Validate(list[i], key));
            var o = list[i];
            if (o is null || o.Vips is not { Count: > 0 } || o.Vips[0] is null)
            {
                continue;
            }

            var id = (o.Interface, o.Vips[0].IsIPv6, o.VirtualRouterId);
            if (seen.TryGetValue(id, out int first))
            {
                errors.Add($"{key}:VirtualRouterId = {o.VirtualRouterId} is already used by {keyPrefix}:{first} on interface '{o.Interface}' ({(id.IsIPv6 ? "IPv6" : "IPv4")}).");
            }
            else
            {
                seen[id] = i;
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is { Name.Length: > 0 } o && !names.Add(o.Name))
            {
                errors.Add($"{keyPrefix}:{i}:Name = '{o.Name}' is used by another router; names must be unique.");
            }
        }

        return errors;
    }

    internal static IReadOnlyList<VrrpRouter> CreateCore(IEnumerable<VrrpRouterOptions> routers, Func<VrrpRouterOptions, IVrrpTransport> transportFactory,
        IVipBinder binder, IVipAnnouncer? announcer, TimeProvider? timeProvider, ILoggerFactory? loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(routers);
        ArgumentNullException.ThrowIfNull(transportFactory);
        ArgumentNullException.ThrowIfNull(binder);
        var list = routers.ToList();
        var errors = Validate(list);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(VrrpRouterOptions), errors);
        }

        var byName = list.ToDictionary(o => o.Name, StringComparer.Ordinal);
        var builder = new VrrpRouterBuilder(c => transportFactory(byName[c.Name]), binder, announcer, timeProvider ?? TimeProvider.System, loggerFactory);
        return [.. list.Select(o => builder.Build(VrrpRouterConfiguration.FromValidated(o)))];
    }
}

/// <summary>Extra operations on <see cref="IVirtualRouter"/> for routers made by <see cref="VirtualRouterFactory"/>.</summary>
public static class VirtualRouterExtensions
{
    /// <summary>
    /// Routes link events from <paramref name="watcher"/> to the routers on that interface
    /// (<see cref="AddressChangeKind.LinkDown"/> → Fault, <see cref="AddressChangeKind.LinkUp"/> → back to election).
    /// Dispose the result to disconnect.
    /// </summary>
    public static IDisposable ConnectLinkState(this IAddressWatcher watcher, IEnumerable<IVirtualRouter> routers)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        ArgumentNullException.ThrowIfNull(routers);
        var list = routers.ToArray();
        void OnChanged(object? sender, AddressChangedEventArgs e)
        {
            if (e.Kind is not (AddressChangeKind.LinkUp or AddressChangeKind.LinkDown) || e.InterfaceName is null)
            {
                return;
            }

            foreach (var r in list)
            {
                if (string.Equals(r.InterfaceName, e.InterfaceName, StringComparison.Ordinal))
                {
                    r.SetLinkState(e.Kind == AddressChangeKind.LinkUp);
                }
            }
        }

        watcher.Changed += OnChanged;
        return new Subscription(() => watcher.Changed -= OnChanged);
    }

    private sealed class Subscription(Action unsubscribe) : IDisposable
    {
        private Action? _unsubscribe = unsubscribe;

        public void Dispose() => Interlocked.Exchange(ref _unsubscribe, null)?.Invoke();
    }

    /// <summary>A snapshot of the router's counters (adverts sent and received, rejections by reason), for metrics.</summary>
    /// <exception cref="ArgumentException">The router was not made by <see cref="VirtualRouterFactory"/>.</exception>
    public static VrrpRouterStatistics GetStatistics(this IVirtualRouter router) =>
        router is VrrpRouter r ? r.GetStatistics() : throw new ArgumentException($"{router?.GetType().Name ?? "null"} is not a VRRP router from VirtualRouterFactory.", nameof(router));
}
