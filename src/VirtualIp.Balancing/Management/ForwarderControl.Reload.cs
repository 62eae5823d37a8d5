using VirtualIp.Balancing.Forwarding;

namespace VirtualIp.Balancing.Management;

/// <summary>
/// Configuration reload (<c>IOptionsMonitor&lt;ForwarderOptions&gt;</c>): each new options instance is validated and,
/// when valid, its backend list is compared with the one last applied: backends that left are removed (drained for the
/// new <see cref="ForwarderOptions.DrainTimeout"/>, in the background), new ones added, a changed weight set in place,
/// a changed address or check address is a remove plus an add. Only the configuration's own changes are applied, so
/// backends added or removed through the API stay as they are unless the configuration names them. Every other key
/// needs a new socket or new per-forwarder state: a change is logged as needing a restart and not applied.
/// Reloads run one at a time, in order.
/// </summary>
internal sealed partial class ForwarderControl
{
    private readonly Lock _reloadGate = new();
    private Dictionary<string, ForwarderBackendOptions> _configured;
    private Task _reloads = Task.CompletedTask;
    private bool _reloadsStopped;

    /// <summary>Reloads applied (tests).</summary>
    internal int ReloadsApplied { get; private set; }

    /// <summary>Reloads rejected as invalid (tests).</summary>
    internal int ReloadsRejected { get; private set; }

    /// <summary>Completes when every reload queued so far is done (not the background drains it started).</summary>
    internal Task WhenReloadsIdle
    {
        get
        {
            lock (_reloadGate)
            {
                return _reloads;
            }
        }
    }

    /// <summary>Queues a reload with new options.</summary>
    public void EnqueueReload(ForwarderOptions options)
    {
        lock (_reloadGate)
        {
            if (!_reloadsStopped)
            {
                _reloads = _reloads.ContinueWith(_ => ReloadAsync(options), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            }
        }
    }

    /// <summary>Stops taking reloads; completes when the one running is done.</summary>
    public Task StopReloadsAsync()
    {
        lock (_reloadGate)
        {
            _reloadsStopped = true;
            return _reloads;
        }
    }

#pragma warning disable CA1031 // a failed reload is logged; the forwarder keeps running what it runs
    private async Task ReloadAsync(ForwarderOptions options)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            foreach (var e in errors)
            {
                ForwarderControlLog.ReloadRejected(_core.Logger, Name, e);
            }

            ReloadsRejected++;
            return;
        }

        foreach (var key in KeysNeedingRestart(_core.Options, options))
        {
            ForwarderControlLog.ReloadNeedsRestart(_core.Logger, Name, key);
        }

        var next = Configured(options);
        int added = 0, removed = 0, changed = 0;
        try
        {
            foreach (var (name, was) in _configured)
            {
                if (!next.TryGetValue(name, out var now) || Moved(was, now))
                {
                    if (TryDetach(name) is { } entry)
                    {
                        removed++;
                        _ = DrainInBackgroundAsync(entry, options.DrainTimeout);
                    }
                }
            }

            foreach (var (name, now) in next)
            {
                if (!_configured.TryGetValue(name, out var was) || Moved(was, now))
                {
                    added += await AddOrUpdateAsync(name, now).ConfigureAwait(false) ? 1 : 0;
                }
                else if (was.Weight != now.Weight && Exists(name))
                {
                    SetWeight(name, now.Weight);
                    changed++;
                }
            }

            _configured = next;
            ReloadsApplied++;
            ForwarderControlLog.ReloadApplied(_core.Logger, Name, added, removed, changed);
        }
        catch (Exception ex)
        {
            _configured = next;
            ForwarderControlLog.ReloadFailed(_core.Logger, Name, ex);
        }
    }

    private async Task<bool> AddOrUpdateAsync(string name, ForwarderBackendOptions now)
    {
        if (Exists(name))
        {
            // Added through the API meanwhile: the configuration's weight wins, the instance stays.
            SetWeight(name, now.Weight);
            return false;
        }

        await AddBackendAsync(now).ConfigureAwait(false);
        return true;
    }

    private async Task DrainInBackgroundAsync(Entry entry, TimeSpan deadline)
    {
        try
        {
            await DrainAsync(entry, deadline, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ForwarderControlLog.ReloadFailed(_core.Logger, Name, ex);
        }
        finally
        {
            Forget(entry);
        }
    }
#pragma warning restore CA1031

    private Entry? TryDetach(string name) => Exists(name) ? Detach(name) : null;

    private bool Exists(string name)
    {
        lock (_gate)
        {
            return Find(name) is not null;
        }
    }

    private static bool Moved(ForwarderBackendOptions was, ForwarderBackendOptions now) =>
        !string.Equals(was.Address, now.Address, StringComparison.Ordinal) || !string.Equals(was.HealthCheckAddress, now.HealthCheckAddress, StringComparison.Ordinal);

    private static Dictionary<string, ForwarderBackendOptions> Configured(ForwarderOptions options)
    {
        var d = new Dictionary<string, ForwarderBackendOptions>(StringComparer.Ordinal);
        foreach (var b in options.Backends)
        {
            d[b.Name ?? b.Address] = new ForwarderBackendOptions { Address = b.Address, Weight = b.Weight, Name = b.Name, HealthCheckAddress = b.HealthCheckAddress };
        }

        return d;
    }

    /// <summary>The keys that differ and cannot change while running (new socket, ACL, limits, scheduler, checks).</summary>
    internal static IEnumerable<string> KeysNeedingRestart(ForwarderOptions running, ForwarderOptions next)
    {
        if (running.Protocol != next.Protocol)
        {
            yield return nameof(ForwarderOptions.Protocol);
        }

        if (!string.Equals(running.Listen, next.Listen, StringComparison.Ordinal))
        {
            yield return nameof(ForwarderOptions.Listen);
        }

        if (!string.Equals(running.Scheduler, next.Scheduler, StringComparison.Ordinal))
        {
            yield return nameof(ForwarderOptions.Scheduler);
        }

        if (running.MaxConnections != next.MaxConnections || running.MaxConnectAttempts != next.MaxConnectAttempts || running.ConnectTimeout != next.ConnectTimeout)
        {
            yield return "MaxConnections/MaxConnectAttempts/ConnectTimeout";
        }

        if (running.BufferSize != next.BufferSize || running.Backlog != next.Backlog || running.UdpIdleTimeout != next.UdpIdleTimeout)
        {
            yield return "BufferSize/Backlog/UdpIdleTimeout";
        }

        if (!running.AllowedSources.SequenceEqual(next.AllowedSources, StringComparer.Ordinal) || !running.DeniedSources.SequenceEqual(next.DeniedSources, StringComparer.Ordinal))
        {
            yield return "AllowedSources/DeniedSources";
        }

        if (running.PassiveHealthFailureThreshold != next.PassiveHealthFailureThreshold || running.PassiveHealthWindow != next.PassiveHealthWindow
            || running.PassiveHealthReactivation != next.PassiveHealthReactivation)
        {
            yield return "PassiveHealth*";
        }

        var (a, b) = (running.HealthCheck, next.HealthCheck);
        if (a.Enabled != b.Enabled || a.Interval != b.Interval || a.Timeout != b.Timeout || a.Rise != b.Rise || a.Fall != b.Fall || a.JitterFraction.CompareTo(b.JitterFraction) != 0)
        {
            yield return nameof(ForwarderOptions.HealthCheck);
        }
    }
}
