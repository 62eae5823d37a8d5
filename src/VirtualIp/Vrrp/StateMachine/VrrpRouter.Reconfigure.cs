using VirtualIp.Addressing;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// Live reconfiguration of a running router (configuration reload): priority, advert interval, preemption and VIPs change
/// in place, without leaving the current state. A master that stays master keeps its VIPs bound; only the VIPs added are
/// bound and only those removed are released. Anything else (VRID, interface, family, version, peers, authentication,
/// sync group) cannot change here: the host removes the router and adds a new one.
/// </summary>
internal sealed partial class VrrpRouter
{
    /// <summary>Applies <paramref name="next"/>; the caller has checked <see cref="VrrpRouterConfiguration.CanReconfigureTo"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="next"/> changes something that needs a new router.</exception>
    public void Reconfigure(VrrpRouterConfiguration next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (next.Interface != _interface || next.VirtualRouterId != _vrid || next.IsIPv6 != _isIPv6 || next.Version != _version)
        {
            throw new ArgumentException($"Router '{_name}': interface, VRID, family and version cannot change on a running router (remove it and add it again).", nameof(next));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _preempt = next.Preempt;
            _preemptDelayTicks = next.PreemptDelay.Ticks * _frequency / TimeSpan.TicksPerSecond;
            if (_preemptDelayTicks == 0)
            {
                _preemptDelayRunning = false;
            }

            if (next.AuthHmac is { ActiveKey: >= 1 and <= 255 } hmac)
            {
                _auth?.TrySetActiveKey((byte)hmac.ActiveKey);
            }

            bool advertChanged = false;
            byte priority = (byte)next.Priority;
            if (priority != _configuredPriority)
            {
                _configuredPriority = priority;
                _priority = priority; // the host re-applies tracking on top right after
                advertChanged = true;
            }

            ushort intervalCs = (ushort)(next.AdvertisementInterval.Ticks / (TimeSpan.TicksPerMillisecond * 10));
            if (intervalCs != _sender.IntervalCs)
            {
                _sender.Reconfigure(intervalCs, _sender.VipBytes);
                if (next.MinimumAdoptedInterval is null)
                {
                    _minIntervalCs = Math.Max((ushort)1, Math.Min(intervalCs, DefaultIntervalFloorCs)); // as at construction
                }

                if (_state == VrrpState.Master)
                {
                    _masterIntervalCs = intervalCs;
                    if (!_handoverPending)
                    {
                        _sender.RestartTimer();
                    }
                }

                advertChanged = true;
            }

            var removed = _vips.Except(next.Vips).ToArray();
            var added = next.Vips.Except(_vips).ToArray();
            if (removed.Length > 0 || added.Length > 0 || !_vips.SequenceEqual(next.Vips))
            {
                _vips = [.. next.Vips];
                _sender.Reconfigure(_sender.IntervalCs, EncodeVips(_vips, _addressLength));
                advertChanged = true;
                if (_state == VrrpState.Master && _running)
                {
                    // Keep what stays bound; re-announce the new set (the announcer restarts with it).
                    if (removed.Length > 0)
                    {
                        EnqueueLocked(new VrrpAction(VrrpActionKind.RemoveVips, Vips: removed));
                    }

                    if (added.Length > 0)
                    {
                        EnqueueLocked(new VrrpAction(VrrpActionKind.AddVips, Vips: added));
                    }

                    EnqueueLocked(new VrrpAction(VrrpActionKind.StartAnnouncing));
                }
            }

            if (advertChanged && _running && _state == VrrpState.Master)
            {
                AdvertiseLocked();
            }
        }
    }

    private static byte[] EncodeVips(VipAddress[] vips, int addressLength)
    {
        var bytes = new byte[vips.Length * addressLength];
        for (int i = 0; i < vips.Length; i++)
        {
            vips[i].Address.TryWriteBytes(bytes.AsSpan(i * addressLength, addressLength), out _);
        }

        return bytes;
    }
}
