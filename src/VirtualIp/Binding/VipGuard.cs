using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Addressing;
using VirtualIp.Binding;

namespace VirtualIp.Binding;

/// <summary>
/// Watches the VIPs this node holds on one interface. When something else deletes one (an operator,
/// NetworkManager, a DHCP client flushing the interface) it raises <see cref="Deleted"/> and, unless
/// <see cref="VipGuardOptions.RestoreDeleted"/> is false, puts it back after <see cref="VipGuardOptions.RestoreDelay"/>.
/// </summary>
/// <remarks>
/// Call <see cref="Release"/> before removing a VIP yourself, otherwise the guard puts it back. Resyncs (lost
/// events) and the link coming up trigger a full check. All timing goes through the injected <see cref="TimeProvider"/>.
/// </remarks>
internal sealed partial class VipGuard : IAsyncDisposable
{
    private readonly IVipBinder _binder;
    private readonly IAddressWatcher _watcher;
    private readonly string _interfaceName;
    private readonly VipGuardOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<VipAddress> _held = [];
    private readonly HashSet<VipAddress> _deleted = [];
    private readonly ITimer _timer;
    private readonly SemaphoreSlim _restoring = new(1, 1);
    private int _interfaceIndex;
    private bool _checkPending;
    private bool _started;
    private bool _disposed;
    private Task _checking = Task.CompletedTask;

    public VipGuard(IVipBinder binder, IAddressWatcher watcher, string interfaceName, VipGuardOptions? options = null, TimeProvider? timeProvider = null, ILogger<VipGuard>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(binder);
        ArgumentNullException.ThrowIfNull(watcher);
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        _binder = binder;
        _watcher = watcher;
        _interfaceName = interfaceName;
        _options = options ?? new VipGuardOptions();
        if (_options.RestoreDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.RestoreDelay, "RestoreDelay must not be negative.");
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _timer = (timeProvider ?? TimeProvider.System).CreateTimer(static s => ((VipGuard)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A held VIP was deleted by someone else.</summary>
    public event EventHandler<VipGuardEventArgs>? Deleted;

    /// <summary>A deleted VIP was put back.</summary>
    public event EventHandler<VipGuardEventArgs>? Restored;

    /// <summary>Putting a VIP back failed (it is retried on the next deletion, resync or link up).</summary>
    public event EventHandler<VipGuardEventArgs>? RestoreFailed;

    /// <summary>The interface guarded.</summary>
    public string InterfaceName => _interfaceName;

    /// <summary>The VIPs currently held.</summary>
    public IReadOnlyCollection<VipAddress> Held
    {
        get
        {
            lock (_gate)
            {
                return [.. _held];
            }
        }
    }

    /// <summary>Starts guarding: resolves the interface, subscribes to the watcher and checks once.</summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken = default)
    {
        var info = await _binder.GetInterfaceAsync(_interfaceName, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _interfaceIndex = info.Index;
            if (_started)
            {
                return;
            }

            _started = true;
            _watcher.Changed += OnChanged;
        }

        await _watcher.StartAsync(cancellationToken).ConfigureAwait(false);
        ScheduleCheck();
    }

    /// <summary>Starts guarding <paramref name="vip"/> (call after adding it).</summary>
    public void Hold(VipAddress vip)
    {
        ArgumentNullException.ThrowIfNull(vip);
        lock (_gate)
        {
            _held.Add(vip);
        }
    }

    /// <summary>Stops guarding <paramref name="vip"/> (call before removing it). Returns false if it was not held.</summary>
    public bool Release(VipAddress vip)
    {
        ArgumentNullException.ThrowIfNull(vip);
        lock (_gate)
        {
            _deleted.Remove(vip);
            return _held.Remove(vip);
        }
    }

    /// <summary>
    /// Stops guarding <paramref name="vip"/> and waits until a restore of it that is already running has finished, so
    /// a VIP removed right after this call cannot be put back by the guard (the check-then-add race). Returns false if
    /// it was not held.
    /// </summary>
    public async ValueTask<bool> ReleaseAsync(VipAddress vip, CancellationToken cancellationToken = default)
    {
        bool held = Release(vip);
        await _restoring.WaitAsync(cancellationToken).ConfigureAwait(false);
        _restoring.Release();
        return held;
    }

    /// <summary>Completes when the check in progress (if any) is done; for tests.</summary>
    internal Task WhenIdle
    {
        get
        {
            lock (_gate)
            {
                return _checking;
            }
        }
    }

    private void OnChanged(object? sender, AddressChangedEventArgs e)
    {
        switch (e.Kind)
        {
            case AddressChangeKind.AddressRemoved when e.Address is not null:
                VipAddress? hit = null;
                lock (_gate)
                {
                    if (e.InterfaceIndex != _interfaceIndex)
                    {
                        return;
                    }

                    var vip = new VipAddress(e.Address, e.PrefixLength);
                    if (_held.Contains(vip) && _deleted.Add(vip))
                    {
                        hit = vip;
                    }
                }

                if (hit is not null)
                {
                    Log.Deleted(_logger, hit, _interfaceName);
                    RaiseSafe(Deleted, new VipGuardEventArgs(_interfaceName, hit));
                    ScheduleCheck();
                }

                break;
            case AddressChangeKind.LinkUp when e.InterfaceIndex == _interfaceIndex || e.InterfaceName == _interfaceName:
                lock (_gate)
                {
                    _interfaceIndex = e.InterfaceIndex;
                }

                ScheduleCheck();
                break;
            case AddressChangeKind.Resync:
                ScheduleCheck();
                break;
        }
    }

    private void ScheduleCheck()
    {
        lock (_gate)
        {
            if (_disposed || !_options.RestoreDeleted || _checkPending)
            {
                return;
            }

            _checkPending = true;
            _timer.Change(_options.RestoreDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _checkPending = false;
            if (_disposed)
            {
                return;
            }

            _checking = _checking.ContinueWith(_ => CheckAsync(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }

    private async Task CheckAsync()
    {
        VipAddress[] held;
        lock (_gate)
        {
            if (_disposed || _held.Count == 0)
            {
                return;
            }

            held = [.. _held];
        }

        IReadOnlyList<BoundAddress> present;
        try
        {
            present = await _binder.ListAsync(_interfaceName).ConfigureAwait(false);
        }
        catch (VipBindingException ex)
        {
            foreach (var vip in held)
            {
                RaiseSafe(RestoreFailed, new VipGuardEventArgs(_interfaceName, vip, ex));
            }

            return;
        }

        foreach (var vip in held)
        {
            if (present.Any(a => a.Address.Equals(vip.Address) && a.PrefixLength == vip.PrefixLength))
            {
                lock (_gate)
                {
                    _deleted.Remove(vip);
                }

                continue;
            }

            // The held check and the add run under _restoring: ReleaseAsync waits for it, so a router stepping down
            // cannot remove the VIP between our check and our add (which would leave the VIP on a backup).
            await _restoring.WaitAsync().ConfigureAwait(false);
            try
            {
                lock (_gate)
                {
                    if (!_held.Contains(vip) || _disposed)
                    {
                        continue; // released meanwhile
                    }
                }

                await _binder.AddAsync(_interfaceName, vip, _options.BindOptions).ConfigureAwait(false);
                lock (_gate)
                {
                    _deleted.Remove(vip);
                }

                Log.Restored(_logger, vip, _interfaceName);
                RaiseSafe(Restored, new VipGuardEventArgs(_interfaceName, vip));
            }
            catch (VipBindingException ex)
            {
                Log.RestoreFailed(_logger, vip, _interfaceName, ex);
                RaiseSafe(RestoreFailed, new VipGuardEventArgs(_interfaceName, vip, ex));
            }
            finally
            {
                _restoring.Release();
            }
        }
    }

    private void RaiseSafe(EventHandler<VipGuardEventArgs>? handler, VipGuardEventArgs args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
#pragma warning disable CA1031 // a subscriber's bug must not stop the guard
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.HandlerFailed(_logger, ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Task checking;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            checking = _checking;
        }

        _watcher.Changed -= OnChanged;
        await _timer.DisposeAsync().ConfigureAwait(false);
        await checking.ConfigureAwait(false);
    }
}
