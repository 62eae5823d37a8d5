using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// Start, stop and dispose: the action queue starts first and drains last; a master that stops sends priority 0
/// (RFC 9568 6.4.3) and releases its VIPs through the queue. <c>_lifecycle</c> serializes these calls.
/// </summary>
internal sealed partial class VrrpRouter
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_running)
                {
                    return;
                }
            }

            StartActionLoop();
            try
            {
                if (_staleCleanup is not null)
                {
                    try
                    {
                        await _staleCleanup(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.ActionFailed(_logger, _name, _vrid, VirtualRouterAction.RemoveStale, _interface, ex);
                        RaiseActionFailed(VirtualRouterAction.RemoveStale, _interface, ex);
                    }
                }

                await _mux.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // The transport did not start: leave the router stopped (StartAsync may be retried).
                lock (_gate)
                {
                    _actions?.Writer.TryComplete();
                }

                throw;
            }

            lock (_gate)
            {
                _running = true;
                if (_preemptDelayTicks > 0)
                {
                    // keepalived: the preempt delay also runs from startup.
                    _preemptDelayRunning = true;
                    _preemptDeadline = _time.GetTimestamp() + _preemptDelayTicks;
                }

                RunElectionLocked(VrrpTransitionReason.Startup, null);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Task loop;
            lock (_gate)
            {
                if (!_running)
                {
                    return;
                }

                _running = false;
                var old = _state;
                if (old == VrrpState.Master)
                {
                    // RFC 9568 6.4.3: send an advert with priority 0 so a backup takes over after Skew_Time, then release the VIPs.
                    _sender.Send(0);
                    _sender.StopTimer();
                    EndHandoverLocked();
                }

                _downTimer.Cancel();
                CancelReannounceLocked();
                _state = VrrpState.Initialize;
                _wantMaster = false;
                RecordTransitionLocked(old, VrrpState.Initialize, VrrpTransitionReason.Shutdown, null);
                if (old == VrrpState.Master)
                {
                    EnqueueLocked(new VrrpAction(VrrpActionKind.StopAnnouncing));
                    EnqueueLocked(new VrrpAction(VrrpActionKind.RemoveVips));
                }

                _actions?.Writer.TryComplete();
                loop = _actionLoop;
            }

            await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
        }

        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _disposed = true;
                _sender.Dispose();
                _downTimer.Dispose();
                _reannounceTimer.Dispose();
                _resignTimer?.Dispose();
                _auth?.Dispose();
            }

            _group?.Remove(this);
            await _mux.ReleaseAsync(this).ConfigureAwait(false);
        }
    }
}
