using System.Net;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Management;

/// <summary>
/// <see cref="IForwarderControl"/> over one running forwarder. Every change is made under one lock and published as a
/// new <see cref="BackendSet"/> through <see cref="IBackendScheduler.Update"/> (the change allocates; picks do not).
/// A weight change replaces the <see cref="Backend"/> instance (weights are immutable, schedulers precompute from them):
/// the old instance keeps its connections (counted under the same name, drained with it), its health signals move to
/// the new one (<see cref="BackendHealthFlags.Replace"/>).
/// </summary>
internal sealed partial class ForwarderControl : IForwarderControl
{
    private readonly IForwarder _forwarder;
    private readonly ForwarderCore _core;
    private readonly Lock _gate = new();
    private readonly List<Entry> _set = [];
    private readonly List<Entry> _removing = [];

    public ForwarderControl(IForwarder forwarder, ForwarderCore core)
    {
        _forwarder = forwarder;
        _core = core;
        foreach (var b in core.Scheduler.Backends.AsSpan())
        {
            _set.Add(new Entry(b));
        }

        _configured = Configured(core.Options);
    }

    public string Name => _core.Options.Name;

    public ForwarderProtocol Protocol => _core.Options.Protocol;

    public IPEndPoint LocalEndPoint => _forwarder.LocalEndPoint;

    public string Scheduler => _core.Scheduler.Name;

    public int ActiveConnections => _forwarder.ActiveConnections;

    /// <summary>The forwarder itself (registry, load tracking).</summary>
    internal IForwarder Forwarder => _forwarder;

    public IReadOnlyList<BackendStatus> GetBackends()
    {
        lock (_gate)
        {
            var list = new List<BackendStatus>(_set.Count + _removing.Count);
            foreach (var e in _set)
            {
                list.Add(e.Status(removing: false));
            }

            foreach (var e in _removing)
            {
                list.Add(e.Status(removing: true));
            }

            return list;
        }
    }

    public async Task<BackendStatus> AddBackendAsync(ForwarderBackendOptions backend, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (!ForwarderEndPoints.TrySplitHostPort(backend.Address, out _, out _))
        {
            throw new ArgumentException($"Backend address '{backend.Address}' is not HOST:PORT.", nameof(backend));
        }

        if (backend.HealthCheckAddress is not null && !ForwarderEndPoints.TrySplitHostPort(backend.HealthCheckAddress, out _, out _))
        {
            throw new ArgumentException($"Health check address '{backend.HealthCheckAddress}' of backend '{backend.Address}' is not HOST:PORT.", nameof(backend));
        }

        CheckWeight(backend.Weight, backend.Name ?? backend.Address);
        var endPoint = await ForwarderEndPoints.ResolveAsync(backend.Address, cancellationToken).ConfigureAwait(false);
        var b = new Backend(endPoint, backend.Weight, backend.Name ?? backend.Address);
        lock (_gate)
        {
            if (Find(b.Name) is not null)
            {
                throw new InvalidOperationException($"Forwarder '{Name}' already has a backend named '{b.Name}'; remove it first or set its weight.");
            }

            var entry = new Entry(b) { HealthCheckAddress = backend.HealthCheckAddress };
            _core.ActiveHealth?.Add(b, backend.HealthCheckAddress); // external verdicts apply before the first pick
            _set.Add(entry);
            Publish();
            ForwarderControlLog.Added(_core.Logger, Name, b.Name, endPoint, b.Weight);
            return entry.Status(removing: false);
        }
    }

    public BackendStatus SetWeight(string backend, int weight)
    {
        ArgumentNullException.ThrowIfNull(backend);
        CheckWeight(weight, backend);
        lock (_gate)
        {
            var entry = Find(backend) ?? throw Unknown(backend);
            var old = entry.Current;
            if (old.Weight != weight)
            {
                var replacement = new Backend(old.EndPoint, weight, old.Name) { IsDraining = old.IsDraining };
                _core.HealthFlags.Replace(old, replacement);
                _core.ActiveHealth?.Retarget(old, replacement);
                entry.Retire(old);
                entry.Current = replacement;
                Publish();
                ForwarderControlLog.WeightChanged(_core.Logger, Name, backend, old.Weight, weight);
            }

            return entry.Status(removing: false);
        }
    }

    public async Task<bool> DrainBackendAsync(string backend, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        CheckDeadline(deadline);
        Entry entry;
        lock (_gate)
        {
            entry = Find(backend) ?? throw Unknown(backend);
            entry.Drains++;
            entry.Current.IsDraining = true;
        }

        try
        {
            return await DrainAsync(entry, deadline, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                entry.Drains--;
            }
        }
    }

    public BackendStatus ResumeBackend(string backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        lock (_gate)
        {
            var entry = Find(backend) ?? throw Unknown(backend);
            if (entry.Drains > 0)
            {
                throw new InvalidOperationException($"Backend '{backend}' of forwarder '{Name}' is being drained; resume it after the drain ends.");
            }

            if (entry.Current.IsDraining)
            {
                entry.Current.IsDraining = false;
                ForwarderControlLog.Resumed(_core.Logger, Name, backend);
            }

            return entry.Status(removing: false);
        }
    }

    public async Task<bool> RemoveBackendAsync(string backend, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        CheckDeadline(deadline);
        var entry = Detach(backend);
        try
        {
            return await DrainAsync(entry, deadline, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Forget(entry);
        }
    }

    /// <summary>Takes a backend out of the set at once (no new connections); its connections stay until drained.</summary>
    private Entry Detach(string backend)
    {
        lock (_gate)
        {
            var entry = Find(backend) ?? throw Unknown(backend);
            entry.Current.IsDraining = true;
            _set.Remove(entry);
            _removing.Add(entry);
            Publish();
            _core.ActiveHealth?.Remove(backend);
            ForwarderControlLog.Removed(_core.Logger, Name, backend, entry.InFlight);
            return entry;
        }
    }

    private void Forget(Entry entry)
    {
        lock (_gate)
        {
            _removing.Remove(entry);
            foreach (var b in entry.Instances())
            {
                _core.HealthFlags.Forget(b);
                _core.Health.Forget(b);
            }
        }
    }

    private async Task<bool> DrainAsync(Entry entry, TimeSpan deadline, CancellationToken cancellationToken)
    {
        Backend[] instances;
        lock (_gate)
        {
            instances = entry.Instances();
        }

        var results = await Task.WhenAll(instances.Select(b => _forwarder.DrainBackendAsync(b, deadline, cancellationToken))).ConfigureAwait(false);
        bool clean = results.All(r => r);
        ForwarderControlLog.Drained(_core.Logger, Name, entry.Current.Name, clean);
        return clean;
    }

    /// <summary>Swaps the current set into the scheduler (call under the lock).</summary>
    private void Publish() => _core.Scheduler.Update(new BackendSet(_set.Select(e => e.Current)));

    private Entry? Find(string name)
    {
        foreach (var e in _set)
        {
            if (string.Equals(e.Current.Name, name, StringComparison.Ordinal))
            {
                return e;
            }
        }

        return null;
    }

    private KeyNotFoundException Unknown(string backend) => new($"Forwarder '{Name}' has no backend named '{backend}'.");

    private static void CheckWeight(int weight, string backend)
    {
        if (weight < 1 || weight > Backend.MaxWeight)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"The weight of backend '{backend}' must be 1 to {Backend.MaxWeight}.");
        }
    }

    private static void CheckDeadline(TimeSpan deadline)
    {
        if (deadline < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(deadline), deadline, "A drain deadline must be zero (close at once) or more.");
        }
    }

    /// <summary>One backend name: the instance in the set and the instances it replaced that may still hold connections.</summary>
    private sealed class Entry(Backend current)
    {
        private readonly List<Backend> _retired = [];

        public Backend Current { get; set; } = current;

        public string? HealthCheckAddress { get; init; }

        public int Drains { get; set; }

        public int InFlight
        {
            get
            {
                int n = Current.InFlight;
                foreach (var b in _retired)
                {
                    n += b.InFlight;
                }

                return n;
            }
        }

        public void Retire(Backend old)
        {
            _retired.RemoveAll(static b => b.InFlight == 0);
            _retired.Add(old);
        }

        public Backend[] Instances()
        {
            _retired.RemoveAll(static b => b.InFlight == 0);
            return [Current, .. _retired];
        }

        public BackendStatus Status(bool removing) =>
            new(Current.Name, Current.EndPoint, Current.Weight, Current.IsHealthy, Current.IsDraining, removing, InFlight);
    }
}
