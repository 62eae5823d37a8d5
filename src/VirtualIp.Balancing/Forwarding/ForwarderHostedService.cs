using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VirtualIp.Balancing.Management;
using VirtualIp.Health;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>Runs one named forwarder for the lifetime of the host; stopping drains it.</summary>
internal sealed class ForwarderHostedService : IHostedService, IAsyncDisposable
{
    private readonly string _name;
    private readonly IOptionsMonitor<ForwarderOptions> _options;
    private readonly IBackendSchedulerFactory _schedulers;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly IMeterFactory? _meters;
    private readonly IHealthMonitor? _monitor;
    private readonly IBackendHealthSource? _healthSource;
    private readonly ForwarderRegistry? _registry;
    private IForwarder? _forwarder;
    private ForwarderControl? _control;
    private IDisposable? _reloads;

    public ForwarderHostedService(string name, IOptionsMonitor<ForwarderOptions> options, IBackendSchedulerFactory schedulers, TimeProvider? time, ILoggerFactory? loggers, IMeterFactory? meters,
        IHealthMonitor? monitor = null, IBackendHealthSource? healthSource = null, ForwarderRegistry? registry = null)
    {
        _registry = registry;
        _monitor = monitor;
        _healthSource = healthSource;
        _name = name;
        _options = options;
        _schedulers = schedulers;
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _meters = meters;
    }

    /// <summary>The running forwarder (null before start).</summary>
    internal IForwarder? Forwarder => _forwarder;

    /// <summary>The runtime control of the running forwarder (null before start).</summary>
    internal ForwarderControl? Control => _control;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = _options.Get(_name);
        var scheduler = _schedulers.Create(o.Scheduler);
        scheduler.Update(await ForwarderCore.ResolveBackendsAsync(o, cancellationToken).ConfigureAwait(false));
        var core = new ForwarderCore(o, scheduler, _time, _loggers.CreateLogger("VirtualIp.Balancing.Forwarder"), _meters);
        core.AttachHealth(_monitor, _healthSource);
        IForwarder f = o.Protocol == ForwarderProtocol.Udp ? new UdpForwarder(core) : new TcpForwarder(core);
        f.Start();
        _forwarder = f;
        var control = new ForwarderControl(f, core);
        _control = control;
        _registry?.Add(_name, control);
        // Configuration reload: backends change in place (see ForwarderControl.Reload.cs); no restart, no dropped connections.
        _reloads = _options.OnChange((options, name) =>
        {
            if (string.Equals(name ?? Options.DefaultName, _name, StringComparison.Ordinal))
            {
                control.EnqueueReload(options);
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_forwarder is not { } f)
        {
            return;
        }

        _reloads?.Dispose();
        if (_control is { } c)
        {
            _registry?.Remove(_name, c);
            await c.StopReloadsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        await f.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        if (_forwarder is not { } f)
        {
            return ValueTask.CompletedTask;
        }

        _reloads?.Dispose();
        if (_control is { } c)
        {
            _registry?.Remove(_name, c);
        }

        return f.DisposeAsync();
    }
}

/// <summary>
/// Checks <see cref="ForwarderOptions"/> when the host starts. Once a forwarder of that name runs, its reloads are
/// validated by the forwarder itself (rejected with a log, the running set kept) instead of by the options monitor,
/// which would throw into the configuration's change callback.
/// </summary>
internal sealed class ForwarderOptionsValidator(ForwarderRegistry? registry = null) : IValidateOptions<ForwarderOptions>
{
    public ValidateOptionsResult Validate(string? name, ForwarderOptions options)
    {
        if (registry is not null && name is not null && registry.IsRunning(name))
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(e => $"Forwarder '{name}': {e}"));
    }
}
