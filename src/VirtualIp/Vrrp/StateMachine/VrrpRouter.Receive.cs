using System.Net;
using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>The receive path: validation of every received advert and RFC 9568 6.4.2 / 6.4.3.</summary>
internal sealed partial class VrrpRouter
{
    /// <summary>Handles a packet already matched to this VRID by the mux. Allocation-free.</summary>
    internal void HandlePacket(in VrrpReceivedPacket packet)
    {
        lock (_gate)
        {
            if (!_running)
            {
                return;
            }

            // Unicast adverts from a configured peer are taken whatever their hop limit (StrictUnicastTtl turns that off).
            bool ttlExempt = packet.Ttl != 255 && IsTtlExemptLocked(packet.SourceAddress);
            if (packet.Ttl != 255 && !ttlExempt)
            {
                RejectLocked(VrrpRejectReason.BadTtl);
                return;
            }

            if (packet.IsIPv6 != _isIPv6)
            {
                RejectLocked(VrrpRejectReason.BadIPHeader);
                return;
            }

            ReadOnlySpan<byte> payload = packet.Payload, trailer = default;
            bool checksumVerified = packet.ChecksumVerified;
            if (_auth is not null && !TrySplitTrailerLocked(packet, out payload, out trailer, out checksumVerified))
            {
                return;
            }

            var context = new VrrpReceiveContext(packet.IsIPv6, ttlExempt ? (byte)255 : packet.Ttl, packet.SourceAddress, packet.DestinationAddress)
            {
                ExpectedVersion = _version,
                ChecksumMode = VrrpChecksumMode.AcceptEither,
                ChecksumVerified = checksumVerified,
                AuthType = _authType,
                AuthData = _authData,
            };

            if (_knownPeers is not null && !IsPeer(packet.SourceAddress))
            {
                // A stranger: dropped whatever it says; a well-formed advert for our VRID is also a conflict.
                if (VrrpCodec.TryRead(payload, context, out var spoof, out _) && spoof.VirtualRouterId == _vrid)
                {
                    ReportConflictLocked(packet.SourceAddress, spoof.Priority, RouterConflictKind.UnknownSource);
                }

                RejectLocked(VrrpRejectReason.UnexpectedSource);
                return;
            }

            if (!VrrpCodec.TryRead(payload, context, out var message, out var reason))
            {
                RejectLocked(reason == VrrpRejectReason.None ? VrrpRejectReason.BadLength : reason);
                return;
            }

            if (message.VirtualRouterId != _vrid)
            {
                RejectLocked(VrrpRejectReason.UnknownVirtualRouter);
                return;
            }

            if (message.Version != _version)
            {
                RejectLocked(VrrpRejectReason.BadVersion);
                return;
            }

            if (_auth?.Verify(payload, trailer, packet.SourceAddress) is { } authResult and not VrrpRejectReason.None)
            {
                RejectLocked(authResult);
                return;
            }

            if (message.Priority == 0 && _priorityZeroFromMasterOnly && !IsCurrentMasterLocked(packet.SourceAddress))
            {
                // Hardening: "the master is leaving" is believed only from the master (docs/conformance/vrrp.md).
                ReportConflictLocked(packet.SourceAddress, 0, RouterConflictKind.PriorityZeroFromNonMaster);
                RejectLocked(VrrpRejectReason.PriorityZeroNotFromMaster);
                return;
            }

            if (message.IntervalCentiseconds != _intervalCs)
            {
                _intervalMismatches++;
                WarnIntervalMismatchLocked(message.IntervalCentiseconds);
                if (_version == VrrpVersion.V2)
                {
                    // RFC 3768 7.1: MUST discard (keepalived drops too, to keep two routers from running one VRID).
                    return;
                }
            }

            _received++;
            if (message.Priority == 0)
            {
                _priorityZeroReceived++;
            }
            else
            {
                _lastAdvertTimestamp = _time.GetTimestamp();
            }

            CheckAddressListLocked(message.Addresses);
            switch (_state)
            {
                case VrrpState.Backup:
                    OnBackupAdvertLocked(message.Priority, message.IntervalCentiseconds, packet.SourceAddress);
                    break;
                case VrrpState.Master:
                    OnMasterAdvertLocked(message.Priority, message.IntervalCentiseconds, packet.SourceAddress);
                    break;
                default:
                    break; // Fault: adverts are counted and ignored.
            }
        }
    }

    /// <summary>RFC 9568 6.4.2, Backup receiving an advert, with keepalived's preempt_delay.</summary>
    private void OnBackupAdvertLocked(byte priority, ushort intervalCs, ReadOnlySpan<byte> source)
    {
        if (priority == 0)
        {
            // The master is leaving: take over after Skew_Time only.
            _priorityZeroPending = true;
            ArmDownTimerLocked(SkewTicks);
            return;
        }

        bool fromMaster = IsCurrentMasterLocked(source);
        if (!fromMaster && IsLiveMasterLocked() && !WinsAgainstMasterLocked(priority, source))
        {
            // A second router claims the VRID while the master we follow is alive and outranks it (a stale master
            // after a partition, a misconfigured node, a spoof): keep following the master; RFC 9568 6.4.2 still
            // resets the down timer for an advert at or above our priority.
            ReportConflictLocked(source, priority, RouterConflictKind.SecondMaster);
            if (priority >= _priority || !_preempt)
            {
                ResetDownTimerLocked(MasterDownTicks);
            }

            return;
        }

        bool lower = priority < _priority;
        if (lower && _preempt)
        {
            long now = _time.GetTimestamp();
            if (_preemptDelayTicks > 0 && (!_preemptDelayRunning || now < _preemptDeadline))
            {
                if (!_preemptDelayRunning)
                {
                    _preemptDelayRunning = true;
                    _preemptDeadline = now + _preemptDelayTicks;
                    Log.PreemptDelayStarted(_logger, _name, _vrid, priority);
                }

                // Still inside the preempt delay: treat the lower-priority master as valid.
            }
            else
            {
                // Preemption: ignore the lower-priority master; the down timer will expire.
                _preempting = true;
                return;
            }
        }
        else if (!lower)
        {
            _preemptDelayRunning = false;
        }

        if (_version == VrrpVersion.V3)
        {
            _masterIntervalCs = AdoptIntervalLocked(intervalCs); // adopt the master's interval (RFC 9568 6.4.2), floored
        }

        _preempting = false;
        _priorityZeroPending = false;
        _wantMaster = false;
        RememberMasterLocked(source, priority);
        ResetDownTimerLocked(MasterDownTicks);
    }

    /// <summary>RFC 9568 6.4.3, Master receiving an advert.</summary>
    private void OnMasterAdvertLocked(byte priority, ushort intervalCs, ReadOnlySpan<byte> source)
    {
        if (priority == 0)
        {
            // Another router is leaving (only reached with PriorityZeroFromMasterOnly off): assert ourselves, rate-limited.
            if (TryReplyLocked())
            {
                SendAdvertLocked(_priority);
                RestartAdvertTimerLocked();
            }

            return;
        }

        if (priority > _priority || (priority == _priority && source.SequenceCompareTo(_mux.LocalAddressBytes) > 0))
        {
            if (_version == VrrpVersion.V3)
            {
                _masterIntervalCs = AdoptIntervalLocked(intervalCs);
            }

            RememberMasterLocked(source, priority);
            EnterBackupLocked(VrrpTransitionReason.HigherPriorityAdvert, null, keepMasterInterval: true);
            return;
        }

        // Another router believes it is master with a priority that loses against ours: two masters.
        ReportConflictLocked(source, priority, RouterConflictKind.SecondMaster);

        // RFC 9568: discard, and send an advert at once so the lower-priority router learns of us (at most once per
        // advert interval, so a flood of low-priority adverts cannot make us flood the segment).
        if (TryReplyLocked())
        {
            SendAdvertLocked(_priority);
        }

        // A lower-priority router that advertises believed it was master and may have announced the VIPs: clients'
        // ARP/ND caches can point at it now. Announce again (keepalived's garp_lower_prio_repeat), at most once a second.
        long now = _time.GetTimestamp();
        if (_lastReannounce == 0 || now - _lastReannounce >= _frequency)
        {
            _lastReannounce = now;
            EnqueueLocked(new VrrpAction(VrrpActionKind.StartAnnouncing));
        }
    }

    private void RejectLocked(VrrpRejectReason reason)
    {
        ++_rejected[(int)reason];
        Log.PacketRejected(_logger, _name, _vrid, reason);

        // RFC 9568 7.1: SHOULD log, subject to rate limiting: the first per reason, then one summary per minute.
        switch (_warnings.Hit((int)reason, _time.GetTimestamp(), out long count))
        {
            case RejectLogLimiter.Decision.First:
                Log.PacketsRejected(_logger, _name, _vrid, VrrpRejectReasonNames.ToTag(reason));
                break;
            case RejectLogLimiter.Decision.Summary:
                Log.RejectSummary(_logger, _name, _vrid, count, VrrpRejectReasonNames.ToTag(reason));
                break;
        }
    }

    private void WarnIntervalMismatchLocked(ushort receivedCs)
    {
        switch (_warnings.Hit(IntervalMismatchKey, _time.GetTimestamp(), out long count))
        {
            case RejectLogLimiter.Decision.First:
                Log.IntervalMismatch(_logger, _name, _vrid, _intervalCs * 10, receivedCs * 10, _version == VrrpVersion.V2);
                break;
            case RejectLogLimiter.Decision.Summary:
                Log.RejectSummary(_logger, _name, _vrid, count, "interval_mismatch");
                break;
        }
    }

    /// <summary>A unicast advert from a configured peer: its TTL / hop limit is not checked (keepalived's default).</summary>
    private bool IsTtlExemptLocked(ReadOnlySpan<byte> source)
    {
        if (_ttlExemptPeers is null)
        {
            return false;
        }

        foreach (var peer in _ttlExemptPeers)
        {
            if (source.SequenceEqual(peer))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsPeer(ReadOnlySpan<byte> source)
    {
        foreach (var peer in _knownPeers!)
        {
            if (source.SequenceEqual(peer))
            {
                return true;
            }
        }

        return false;
    }

    private void CheckAddressListLocked(ReadOnlySpan<byte> addresses)
    {
        bool match = addresses.Length == _vipBytes.Length;
        if (match && !addresses.SequenceEqual(_vipBytes))
        {
            // Same count, maybe another order: every received address must be configured.
            for (int i = 0; i + _addressLength <= addresses.Length && match; i += _addressLength)
            {
                match = ContainsVip(addresses.Slice(i, _addressLength));
            }
        }

        if (match)
        {
            return;
        }

        // RFC 9568 7.1: SHOULD log (rate-limited); keepalived logs and accepts.
        _addressMismatches++;
        switch (_warnings.Hit(AddressMismatchKey, _time.GetTimestamp(), out long count))
        {
            case RejectLogLimiter.Decision.First:
                Log.AddressListMismatch(_logger, _name, _vrid, addresses.Length / _addressLength, _vips.Length);
                break;
            case RejectLogLimiter.Decision.Summary:
                Log.RejectSummary(_logger, _name, _vrid, count, "address_list_mismatch");
                break;
        }
    }

    private bool ContainsVip(ReadOnlySpan<byte> address)
    {
        for (int j = 0; j < _vipBytes.Length; j += _addressLength)
        {
            if (address.SequenceEqual(_vipBytes.AsSpan(j, _addressLength)))
            {
                return true;
            }
        }

        return false;
    }

    private void RememberMasterLocked(ReadOnlySpan<byte> source, byte priority)
    {
        int n = Math.Min(source.Length, _masterAddress.Length);
        source[..n].CopyTo(_masterAddress);
        _masterAddressLength = n;
        _masterPriority = priority;
        _lastMasterAdvert = _time.GetTimestamp();
    }

    private IPAddress? MasterAddressLocked() =>
        _masterAddressLength is 4 or 16 ? new IPAddress(_masterAddress.AsSpan(0, _masterAddressLength)) : null;
}
