using System.Diagnostics.CodeAnalysis;
using System.Net;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Forwarding;

/// <summary>
/// The sessions of a UDP forwarder by client address (IP and port) and the per-source-IP state the limits need. A new
/// session is admitted first (<see cref="TryAdmit"/>: counted against the caps while its socket is set up), then
/// added or cancelled. The number of sessions, admitted ones included, never exceeds <see cref="UdpLimits.MaxSessions"/>,
/// nor the sources tracked. One lock; lookups of known clients allocate nothing.
/// </summary>
internal sealed class UdpSessionTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SocketAddress, UdpSession> _sessions = [];
    private readonly Dictionary<UdpSourceKey, UdpSourceState> _sources = [];
    private readonly UdpLimits _limits;
    private readonly TimeProvider _time;
    private int _admitted;

    public UdpSessionTable(UdpLimits limits, TimeProvider time)
    {
        _limits = limits;
        _time = time;
    }

    /// <summary>Sessions open now, admitted ones included.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count + _admitted;
            }
        }
    }

    /// <summary>Source IPs tracked now (each holds a session, or a rate-limit bucket still refilling).</summary>
    public int SourceCount
    {
        get
        {
            lock (_lock)
            {
                return _sources.Count;
            }
        }
    }

    public bool TryGet(SocketAddress client, [NotNullWhen(true)] out UdpSession? session)
    {
        lock (_lock)
        {
            return _sessions.TryGetValue(client, out session);
        }
    }

    /// <summary>
    /// Reserves a place for a new session of <paramref name="source"/>: null when admitted (then call
    /// <see cref="Add"/> or <see cref="CancelAdmission"/>), else the <see cref="RefusalReasons"/> value.
    /// </summary>
    public string? TryAdmit(UdpSourceKey source)
    {
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            int total = _sessions.Count + _admitted;
            if (!_sources.TryGetValue(source, out var state))
            {
                if (total >= _limits.MaxSessions || _sources.Count >= _limits.MaxSessions)
                {
                    return RefusalReasons.SessionLimit;
                }

                state = new UdpSourceState(_limits.Burst, now);
                _sources.Add(source, state);
            }

            string? refused = _limits.Admit(total, state, now, _time);
            if (refused is not null)
            {
                ForgetIfIdle(source, state, now);
                return refused;
            }

            state.Sessions++;
            _admitted++;
            return null;
        }
    }

    /// <summary>Gives back an admission that did not become a session.</summary>
    public void CancelAdmission(UdpSourceKey source)
    {
        lock (_lock)
        {
            _admitted--;
            ReleaseSource(source);
        }
    }

    /// <summary>Turns an admission into the session (keyed by its client address).</summary>
    public void Add(UdpSession session)
    {
        lock (_lock)
        {
            _admitted--;
            _sessions.Add(session.ClientAddress, session);
        }
    }

    /// <summary>Removes <paramref name="session"/> if it is still in the table; true when it was.</summary>
    public bool Remove(UdpSession session)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(session.ClientAddress, out var current) || !ReferenceEquals(current, session))
            {
                return false;
            }

            _sessions.Remove(session.ClientAddress);
            ReleaseSource(session.Source);
            return true;
        }
    }

    /// <summary>Removes and returns the sessions idle for the idle timeout (null when none); forgets idle sources.</summary>
    public List<UdpSession>? RemoveIdle()
    {
        long now = _time.GetTimestamp();
        List<UdpSession>? expired = null;
        lock (_lock)
        {
            foreach (var s in _sessions.Values)
            {
                if (_time.GetElapsedTime(s.LastActivity, now) >= _limits.IdleTimeout)
                {
                    (expired ??= []).Add(s);
                }
            }

            if (expired is not null)
            {
                foreach (var s in expired)
                {
                    _sessions.Remove(s.ClientAddress);
                    ReleaseSource(s.Source);
                }
            }

            if (_limits.IsRateLimited && _sources.Count > _sessions.Count)
            {
                List<UdpSourceKey>? forget = null;
                foreach (var (key, state) in _sources)
                {
                    if (state.IsForgettable(_limits.Rate, _limits.Burst, now, _time))
                    {
                        (forget ??= []).Add(key);
                    }
                }

                forget?.ForEach(k => _sources.Remove(k));
            }
        }

        return expired;
    }

    /// <summary>Removes and returns the sessions bound to <paramref name="backend"/>.</summary>
    public List<UdpSession> RemoveForBackend(Backend backend)
    {
        List<UdpSession> removed = [];
        lock (_lock)
        {
            foreach (var s in _sessions.Values)
            {
                if (ReferenceEquals(s.Backend, backend))
                {
                    removed.Add(s);
                }
            }

            foreach (var s in removed)
            {
                _sessions.Remove(s.ClientAddress);
                ReleaseSource(s.Source);
            }
        }

        return removed;
    }

    /// <summary>Removes and returns every session.</summary>
    public UdpSession[] RemoveAll()
    {
        lock (_lock)
        {
            UdpSession[] all = [.. _sessions.Values];
            _sessions.Clear();
            _sources.Clear();
            return all;
        }
    }

    private void ReleaseSource(UdpSourceKey source)
    {
        if (_sources.TryGetValue(source, out var state))
        {
            state.Sessions--;
            ForgetIfIdle(source, state, _time.GetTimestamp());
        }
    }

    private void ForgetIfIdle(UdpSourceKey source, UdpSourceState state, long now)
    {
        // Without a rate limit a source with no session carries no state; with one, its bucket is kept until full.
        if (state.Sessions == 0 && (!_limits.IsRateLimited || state.IsForgettable(_limits.Rate, _limits.Burst, now, _time)))
        {
            _sources.Remove(source);
        }
    }
}
