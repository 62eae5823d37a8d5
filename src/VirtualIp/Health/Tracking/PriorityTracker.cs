using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Binding;

namespace VirtualIp.Health.Tracking;

/// <summary>
/// keepalived tracking for one virtual router. Each tracked input (health check, interface link, anything up/down) has
/// a weight: a positive weight is added while it is up, a negative weight is subtracted while it is down, and weight 0
/// puts the router in Fault while it is down. The effective priority is clamped to 1..254; an address owner (255)
/// keeps 255 whatever the weights (it can still fault).
/// </summary>
internal sealed partial class PriorityTracker : ITrackingSource, IDisposable
{
    /// <summary>The address owner's priority, never adjusted.</summary>
    public const int OwnerPriority = 255;

    private readonly Lock _lock = new();
    private readonly List<TrackedInput> _inputs = [];
    private readonly List<IDisposable> _subscriptions = [];
    private readonly ILogger _logger;
    private int _effective;
    private bool _fault;
    private string _reason = "initial";

    /// <summary>Creates a tracker.</summary>
    /// <param name="basePriority">The configured priority, 1 to 255.</param>
    /// <param name="name">The virtual router's name, for logs.</param>
    /// <param name="logger">Logger; none when null.</param>
    public PriorityTracker(int basePriority, string name = "vrrp", ILogger<PriorityTracker>? logger = null)
    {
        if (basePriority is < 1 or > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(basePriority), basePriority, "The base priority must be between 1 and 255.");
        }

        BasePriority = basePriority;
        Name = name;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _effective = basePriority;
    }

    /// <inheritdoc />
    public event EffectivePriorityChangedHandler? EffectivePriorityChanged;

    /// <summary>The virtual router's name.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public int BasePriority { get; }

    /// <inheritdoc />
    public int EffectivePriority
    {
        get
        {
            lock (_lock)
            {
                return _effective;
            }
        }
    }

    /// <inheritdoc />
    public bool IsFault
    {
        get
        {
            lock (_lock)
            {
                return _fault;
            }
        }
    }

    /// <summary>The reason of the last change.</summary>
    public string Reason
    {
        get
        {
            lock (_lock)
            {
                return _reason;
            }
        }
    }

    /// <summary>Adds a tracked input fed through <see cref="ITrackedInput.Set"/>; dispose it to stop tracking.</summary>
    /// <param name="name">The item's name.</param>
    /// <param name="weight">-253 to 253; 0 faults the router while the item is down.</param>
    /// <param name="initiallyUp">The item's state now.</param>
    public ITrackedInput AddInput(string name, int weight, bool initiallyUp)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (weight is < -253 or > 253)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"Tracking weight for '{name}' must be between -253 and 253.");
        }

        var input = new TrackedInput(this, name, weight, initiallyUp);
        lock (_lock)
        {
            _inputs.Add(input);
        }

        Recompute(input, initiallyUp ? "up" : "down");
        return input;
    }

    /// <summary>
    /// Reports <paramref name="input"/>'s state with <paramref name="what"/> in the change's reason instead of "up" / "down"
    /// (e.g. "loaded: CPU pressure 42.0 % >= 30"); a no-op when unchanged.
    /// </summary>
    /// <param name="input">An input made by <see cref="AddInput"/> of this tracker.</param>
    /// <param name="up">True when up.</param>
    /// <param name="what">What happened, for the reason.</param>
    public void Set(ITrackedInput input, bool up, string what)
    {
        if (input is not TrackedInput mine || !ReferenceEquals(mine.Owner, this))
        {
            throw new ArgumentException("The input was not made by this tracker's AddInput.", nameof(input));
        }

        mine.Set(up, what);
    }

    /// <summary>Tracks a health check of <paramref name="monitor"/> (Unknown counts as down until the first result).</summary>
    /// <param name="monitor">The monitor running the check.</param>
    /// <param name="checkName">The check's name.</param>
    /// <param name="weight">The weight, usually the check's <see cref="HealthCheckOptions.Weight"/>.</param>
    /// <returns>Dispose to stop tracking.</returns>
    public IDisposable TrackCheck(IHealthMonitor monitor, string checkName, int weight)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentException.ThrowIfNullOrEmpty(checkName);
        var input = AddInput(checkName, weight, false);
        void OnChanged(object? sender, HealthChangedEventArgs e)
        {
            if (string.Equals(e.CheckName, checkName, StringComparison.Ordinal))
            {
                input.Set(e.NewState == HealthState.Up);
            }
        }

        monitor.HealthChanged += OnChanged;
        if (monitor.TryGetState(checkName, out var state))
        {
            input.Set(state == HealthState.Up);
        }

        var subscription = new Subscription(() =>
        {
            monitor.HealthChanged -= OnChanged;
            input.Dispose();
        });
        lock (_lock)
        {
            _subscriptions.Add(subscription);
        }

        return subscription;
    }

    /// <summary>Tracks an interface's link state reported by <paramref name="watcher"/> (LinkUp / LinkDown events).</summary>
    /// <param name="watcher">The address watcher.</param>
    /// <param name="interfaceName">The interface to track.</param>
    /// <param name="weight">The weight; keepalived's default for track_interface is 0 (fault while down).</param>
    /// <param name="initiallyUp">The link state now.</param>
    /// <returns>Dispose to stop tracking.</returns>
    public IDisposable TrackInterface(IAddressWatcher watcher, string interfaceName, int weight, bool initiallyUp)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        var input = AddInput(interfaceName, weight, initiallyUp);
        void OnChanged(object? sender, AddressChangedEventArgs e)
        {
            if (string.Equals(e.InterfaceName, interfaceName, StringComparison.Ordinal))
            {
                if (e.Kind == AddressChangeKind.LinkUp)
                {
                    input.Set(true);
                }
                else if (e.Kind == AddressChangeKind.LinkDown)
                {
                    input.Set(false);
                }
            }
        }

        watcher.Changed += OnChanged;
        var subscription = new Subscription(() =>
        {
            watcher.Changed -= OnChanged;
            input.Dispose();
        });
        lock (_lock)
        {
            _subscriptions.Add(subscription);
        }

        return subscription;
    }

    /// <summary>Stops every subscription made by <see cref="TrackCheck"/> and <see cref="TrackInterface"/>.</summary>
    public void Dispose()
    {
        IDisposable[] subscriptions;
        lock (_lock)
        {
            subscriptions = [.. _subscriptions];
            _subscriptions.Clear();
        }

        foreach (var s in subscriptions)
        {
            s.Dispose();
        }
    }

    /// <summary>Computes the effective priority and fault from the inputs (keepalived rules).</summary>
    internal static (int Priority, bool Fault) Compute(int basePriority, IEnumerable<(int Weight, bool Up)> inputs)
    {
        var priority = basePriority;
        var fault = false;
        foreach (var (weight, up) in inputs)
        {
            if (weight == 0)
            {
                fault |= !up;
            }
            else if (weight > 0 && up)
            {
                priority += weight;
            }
            else if (weight < 0 && !up)
            {
                priority += weight;
            }
        }

        if (basePriority == OwnerPriority)
        {
            return (OwnerPriority, fault);
        }

        return (Math.Clamp(priority, 1, 254), fault);
    }

    private void Recompute(TrackedInput cause, string what)
    {
        int priority;
        bool fault;
        string reason;
        lock (_lock)
        {
            (priority, fault) = Compute(BasePriority, _inputs.Select(static i => (i.Weight, i.IsUpUnsafe)));
            if (priority == _effective && fault == _fault)
            {
                return;
            }

            reason = string.Create(CultureInfo.InvariantCulture,
                $"'{cause.Name}' {what} (weight {cause.Weight}): priority {_effective} -> {priority}{(fault ? ", fault" : _fault ? ", fault cleared" : "")}");
            _effective = priority;
            _fault = fault;
            _reason = reason;
        }

        LogPriorityChanged(_logger, Name, priority, fault, reason);
        try
        {
            EffectivePriorityChanged?.Invoke(priority, fault, reason);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(_logger, Name, ex);
        }
    }

    private void Remove(TrackedInput input)
    {
        lock (_lock)
        {
            if (!_inputs.Remove(input))
            {
                return;
            }
        }

        Recompute(input, "removed");
    }

    [LoggerMessage(EventId = 1210, Level = LogLevel.Information, Message = "Virtual router '{Router}' effective priority {Priority}, fault {Fault}: {Reason}.")]
    private static partial void LogPriorityChanged(ILogger logger, string router, int priority, bool fault, string reason);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Error, Message = "An EffectivePriorityChanged handler of virtual router '{Router}' threw.")]
    private static partial void LogHandlerFailed(ILogger logger, string router, Exception exception);

    private sealed class TrackedInput(PriorityTracker owner, string name, int weight, bool up) : ITrackedInput
    {
        public PriorityTracker Owner => owner;

        private bool _up = up;
        private bool _disposed;

        public string Name { get; } = name;

        public int Weight { get; } = weight;

        public bool IsUp
        {
            get
            {
                lock (owner._lock)
                {
                    return _up;
                }
            }
        }

        /// <summary>Read under the owner's lock.</summary>
        public bool IsUpUnsafe => _up;

        public void Set(bool up) => Set(up, up ? "up" : "down");

        public void Set(bool up, string what)
        {
            lock (owner._lock)
            {
                if (_disposed || _up == up)
                {
                    return;
                }

                _up = up;
            }

            owner.Recompute(this, what);
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
            }

            owner.Remove(this);
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
