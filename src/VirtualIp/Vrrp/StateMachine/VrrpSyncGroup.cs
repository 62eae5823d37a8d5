using VirtualIp.Election;

namespace VirtualIp.Vrrp;

/// <summary>
/// keepalived's <c>vrrp_sync_group</c>: members go Fault together, go Backup together, and become master only when
/// every member wants to (the others' master-down timers expired too, or they are master already) — preferring
/// Backup avoids a group split across two nodes. All members share <see cref="Gate"/>, so group decisions are
/// made under one lock and never race.
/// </summary>
internal sealed class VrrpSyncGroup
{
    private readonly List<VrrpRouter> _members = [];

    public VrrpSyncGroup(string name) => Name = name;

    public string Name { get; }

    /// <summary>The lock shared by every member.</summary>
    public object Gate { get; } = new();

    public IReadOnlyList<VrrpRouter> Members => _members;

    public void Add(VrrpRouter router)
    {
        lock (Gate)
        {
            _members.Add(router);
        }
    }

    /// <summary>Takes a removed router out of the group (configuration reload).</summary>
    public void Remove(VrrpRouter router)
    {
        lock (Gate)
        {
            _members.Remove(router);
        }
    }

    /// <summary>A member entered Fault on its own: the others follow.</summary>
    public void OnMemberFault(VrrpRouter source)
    {
        foreach (var m in _members)
        {
            if (!ReferenceEquals(m, source))
            {
                m.SyncEnterFaultLocked();
            }
        }
    }

    /// <summary>A member left Master for Backup on its own: the other masters follow.</summary>
    public void OnMemberBackup(VrrpRouter source)
    {
        foreach (var m in _members)
        {
            if (!ReferenceEquals(m, source))
            {
                m.SyncEnterBackupLocked();
            }
        }
    }

    /// <summary>True when a member has a fault of its own (tracking or link), so the group stays in Fault.</summary>
    public bool AnyOwnFault()
    {
        foreach (var m in _members)
        {
            if (m.HasOwnFaultLocked)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The last own fault cleared: every member in Fault restarts the election.</summary>
    public void OnGroupFaultCleared(VrrpRouter source)
    {
        foreach (var m in _members)
        {
            if (!ReferenceEquals(m, source))
            {
                m.SyncLeaveFaultLocked();
            }
        }
    }

    /// <summary>
    /// <paramref name="source"/> wants to become master. Returns true (and moves the other members to Master) when
    /// every other member is Master or wants to be; otherwise the caller stays Backup and asks again later.
    /// </summary>
    public bool TryGoMaster(VrrpRouter source)
    {
        foreach (var m in _members)
        {
            if (!ReferenceEquals(m, source) && !(m.StateLocked == VrrpState.Master || (m.StateLocked == VrrpState.Backup && m.WantsMasterLocked)))
            {
                return false;
            }
        }

        foreach (var m in _members)
        {
            if (!ReferenceEquals(m, source) && m.StateLocked != VrrpState.Master)
            {
                m.SyncEnterMasterLocked();
            }
        }

        return true;
    }
}
