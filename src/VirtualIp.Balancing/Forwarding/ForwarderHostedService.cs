using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
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
        _registry?.Add(_name, f);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_forwarder is not { } f)
        {
            return Task.CompletedTask;
        }

        _registry?.Remove(_name, f);
        return f.StopAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        if (_forwarder is not { } f)
        {
            return ValueTask.CompletedTask;
        }

        _registry?.Remove(_name, f);
        return f.DisposeAsync();
    }
}

/// <summary>Checks <see cref="ForwarderOptions"/> when the host starts.</summary>
internal sealed class ForwarderOptionsValidator : IValidateOptions<ForwarderOptions>
{
    public ValidateOptionsResult Validate(string? name, ForwarderOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(e => $"Forwarder '{name}': {e}"));
    }
}
