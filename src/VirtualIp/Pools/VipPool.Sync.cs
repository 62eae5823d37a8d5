using VirtualIp.Leasing;

namespace VirtualIp.Pools;

/// <summary>Keeping the pool's view in step with its store: adoption, loss, watch events and resynchronisation.</summary>
public sealed partial class VipPool
{
    // The holder already has a lease in the store: ours (a concurrent call, or a reply lost while the store restarted) is
    // adopted and renewed; another node's is reported.
    private async ValueTask<VipLease> AdoptAsync(string holder, CancellationToken cancellationToken)
    {
        var existing = await _store.FindByHolderAsync(Options.Name, holder, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return await AcquireAsync(holder, cancellationToken).ConfigureAwait(false); // it went away meanwhile: try again
        }

        if (existing.Node != Node)
        {
            throw new InvalidOperationException($"Holder '{holder}' already holds {existing.Address} in pool '{Options.Name}', granted by node '{existing.Node}'.");
        }

        bool adopted;
        lock (_gate)
        {
            var n = AddressRanges.ToNumber(existing.Address);
            _free.Remove(n);
            _known[n] = existing;
            adopted = _mine.TryAdd(holder, existing);
            if (adopted)
            {
                _expiry.Enqueue(holder, existing.ExpiresAt);
            }
        }

        if (adopted)
        {
            Raise(existing, VipLeaseChange.Acquired, "granted (confirmed after retry)");
        }

        return await RenewAsync(holder, cancellationToken).ConfigureAwait(false)
            ?? throw new LeaseStoreUnavailableException($"The lease of '{holder}' on {existing.Address} in pool '{Options.Name}' vanished while it was renewed.");
    }

    private void Forget(LeaseRecord rec, VipLeaseChange change, string reason, bool returnToFree = false)
    {
        bool removed;
        lock (_gate)
        {
            removed = _mine.TryGetValue(rec.Holder, out var current) && current.Address.Equals(rec.Address) && _mine.Remove(rec.Holder);
            if (removed)
            {
                var n = AddressRanges.ToNumber(rec.Address);
                _known.Remove(n);
                if (returnToFree && !_reserved.Contains(n))
                {
                    _free.Add(n);
                }
            }
        }

        if (removed)
        {
            Raise(rec, change, reason);
        }
    }

    private void OnStoreChanged(object? sender, LeaseStoreChangedEventArgs e)
    {
        if (e.Pool != Options.Name || !_initialized)
        {
            return;
        }

        var n = AddressRanges.ToNumber(e.Address);
        switch (e.Kind)
        {
            case LeaseChangeKind.Lost when e.Lease is { } lost:
                Forget(lost, VipLeaseChange.Expired, "store unreachable: lease could not be confirmed before it ran out");
                break;
            case LeaseChangeKind.TakenElsewhere:
                lock (_gate)
                {
                    _free.Remove(n);
                    if (e.Lease is not null)
                    {
                        _known[n] = e.Lease;
                    }
                }

                break;
            case LeaseChangeKind.Freed:
                lock (_gate)
                {
                    bool ours = _known.TryGetValue(n, out var k) && k.Node == Node && _mine.ContainsKey(k.Holder);
                    if (!ours && !_inflight.Contains(n) && !_reserved.Contains(n) && InRange(n))
                    {
                        _known.Remove(n);
                        _free.Add(n);
                    }
                }

                break;
        }
    }

    // One resynchronisation at a time, shared by every caller that found the pool exhausted meanwhile: a burst of
    // acquisitions on a full pool costs one listing, not one each.
    private Task ResynchronizeOnceAsync(long seenGeneration, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_resyncGeneration > seenGeneration)
            {
                return Task.CompletedTask; // someone resynchronised after this caller looked
            }

            if (_resync is { IsCompleted: false } running)
            {
                return running.WaitAsync(cancellationToken);
            }

            _resync = Task.Run(async () =>
            {
                try
                {
                    await ResynchronizeAsync(CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Increment(ref _resyncGeneration);
                }
            }, CancellationToken.None);
            return _resync.WaitAsync(cancellationToken);
        }
    }

    // Rebuilds the free set from the store (shared stores, when the local view says the pool is exhausted).
    private async Task ResynchronizeAsync(CancellationToken cancellationToken)
    {
        var all = await _store.ListAsync(Options.Name, cancellationToken).ConfigureAwait(false);
        var fresh = new FreeAddressSet();
        lock (_gate)
        {
            foreach (var (f, l) in _ranges)
            {
                fresh.AddRange(f, l);
            }

            foreach (var n in _reserved)
            {
                fresh.Remove(n);
            }

            foreach (var n in _inflight)
            {
                fresh.Remove(n);
            }

            foreach (var rec in _mine.Values)
            {
                fresh.Remove(AddressRanges.ToNumber(rec.Address));
            }

            _known.Clear();
            foreach (var rec in _mine.Values)
            {
                _known[AddressRanges.ToNumber(rec.Address)] = rec;
            }

            foreach (var rec in all)
            {
                var n = AddressRanges.ToNumber(rec.Address);
                fresh.Remove(n);
                _known[n] = rec;
            }

            fresh.Seek(_free.Cursor);
            _free = fresh;
        }
    }

    private bool InRange(UInt128 n)
    {
        foreach (var (f, l) in _ranges)
        {
            if (n >= f && n <= l)
            {
                return true;
            }
        }

        return false;
    }
}
