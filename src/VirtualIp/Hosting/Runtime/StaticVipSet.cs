using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Addressing;
using VirtualIp.Binding;

namespace VirtualIp.Hosting;

/// <summary>The static VIPs: bound while the host runs, announced when asked; a reload binds what was added and releases what was removed.</summary>
internal sealed partial class StaticVipSet(PlatformSession session, ILoggerFactory? loggerFactory = null)
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("VirtualIp.Hosting");
    private readonly List<(string Interface, VipAddress Vip)> _bound = [];
    private readonly Dictionary<string, IDisposable> _announcing = new(StringComparer.Ordinal);
    private IReadOnlyList<StaticVipGroup> _current = [];

    /// <summary>Makes the bound static VIPs match <paramref name="groups"/>.</summary>
    public async Task ApplyAsync(IReadOnlyList<StaticVipGroup> groups, CancellationToken cancellationToken)
    {
        var wanted = groups.SelectMany(g => g.Vips.Select(v => (g.Interface, Vip: v))).ToList();
        foreach (var gone in _bound.Except(wanted).ToList())
        {
            await RemoveAsync(gone.Interface, gone.Vip, cancellationToken).ConfigureAwait(false);
            _bound.Remove(gone);
        }

        foreach (var g in groups)
        {
            await session.PrepareAsync(g.Interface, cancellationToken).ConfigureAwait(false);
            foreach (var vip in g.Vips)
            {
                if (!_bound.Contains((g.Interface, vip)))
                {
                    await session.Binder.AddAsync(g.Interface, vip, cancellationToken: cancellationToken).ConfigureAwait(false);
                    _bound.Add((g.Interface, vip));
                }
            }
        }

        // Announcing follows the groups: restart an interface's announcement only when its announced VIPs changed.
        var announced = groups.Where(g => g.Announce).GroupBy(g => g.Interface, StringComparer.Ordinal)
            .ToDictionary(x => x.Key, x => x.SelectMany(g => g.Vips).ToList(), StringComparer.Ordinal);
        var before = _current.Where(g => g.Announce).GroupBy(g => g.Interface, StringComparer.Ordinal)
            .ToDictionary(x => x.Key, x => x.SelectMany(g => g.Vips).ToList(), StringComparer.Ordinal);
        foreach (var (iface, vips) in announced)
        {
            if (!before.TryGetValue(iface, out var old) || !old.SequenceEqual(vips) || !_announcing.ContainsKey(iface))
            {
                _announcing.Remove(iface, out var running);
                running?.Dispose();
                _announcing[iface] = session.Announcer.Start(iface, vips);
            }
        }

        foreach (var iface in _announcing.Keys.Where(i => !announced.ContainsKey(i)).ToList())
        {
            _announcing.Remove(iface, out var running);
            running?.Dispose();
        }

        _current = groups;
    }

    /// <summary>Stops announcing and releases every static VIP.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var a in _announcing.Values)
        {
            a.Dispose();
        }

        _announcing.Clear();
        foreach (var (iface, vip) in _bound)
        {
            await RemoveAsync(iface, vip, cancellationToken).ConfigureAwait(false);
        }

        _bound.Clear();
        _current = [];
    }

    private async Task RemoveAsync(string iface, VipAddress vip, CancellationToken cancellationToken)
    {
        try
        {
            await session.Binder.RemoveAsync(iface, vip, cancellationToken).ConfigureAwait(false);
        }
        catch (VipBindingException ex)
        {
            LogReleaseFailed(_logger, vip.ToString(), iface, ex);
        }
    }

    [LoggerMessage(EventId = 1020, Level = LogLevel.Error, Message = "Releasing static VIP {Vip} on {Interface} failed")]
    private static partial void LogReleaseFailed(ILogger logger, string vip, string @interface, Exception exception);
}
