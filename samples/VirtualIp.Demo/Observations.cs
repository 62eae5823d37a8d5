using VirtualIp.Election;

namespace VirtualIp.Demo;

/// <summary>
/// What the demo knows, fed by the nodes (their own state events) and the client's probes; narrates every change.
/// Thread-safe: nodes and probes report from their own threads or processes.
/// </summary>
internal sealed class Observations
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, VrrpState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _masterSince = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dead = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _bound = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VrrpState> _states6 = new(StringComparer.Ordinal);
    private readonly List<ProbeAnswered> _answers = [];
    private readonly List<ProbeAnswered> _answers6 = [];
    private string? _responder;
    private string? _responder6;

    /// <summary>The node the client's probes reach now, or null while the VIP is silent.</summary>
    public string? Responder
    {
        get
        {
            lock (_gate)
            {
                return _responder;
            }
        }
    }

    /// <summary>The node the client's IPv6 probes reach now, or null.</summary>
    public string? Responder6
    {
        get
        {
            lock (_gate)
            {
                return _responder6;
            }
        }
    }

    /// <summary>The live node whose IPv6 router is master, if exactly one is.</summary>
    public string? Master6
    {
        get
        {
            lock (_gate)
            {
                var masters = _states6.Where(s => s.Value == VrrpState.Master && !_dead.Contains(s.Key)).Select(s => s.Key).ToList();
                return masters.Count == 1 ? masters[0] : null;
            }
        }
    }

    /// <summary>The live node in Master state (IPv4 router), if exactly one is.</summary>
    public string? Master
    {
        get
        {
            lock (_gate)
            {
                var masters = _states.Where(s => s.Value == VrrpState.Master && !_dead.Contains(s.Key)).Select(s => s.Key).ToList();
                return masters.Count == 1 ? masters[0] : null;
            }
        }
    }

    public VrrpState StateOf(string node)
    {
        lock (_gate)
        {
            return _states.GetValueOrDefault(node, VrrpState.Initialize);
        }
    }

    public DateTimeOffset? MasterSince(string node)
    {
        lock (_gate)
        {
            return _masterSince.TryGetValue(node, out var t) ? t : null;
        }
    }

    /// <summary>The first answer from <paramref name="node"/> after <paramref name="after"/> that followed a switch or a silence.</summary>
    public ProbeAnswered? AnswerAfter(DateTimeOffset after, string node, bool ipv6 = false)
    {
        lock (_gate)
        {
            return (ipv6 ? _answers6 : _answers).FirstOrDefault(a => a.At >= after && !a.First && a.Node == node);
        }
    }

    /// <summary>When <paramref name="node"/> last bound the VIP.</summary>
    public DateTimeOffset? BoundAt(string node)
    {
        lock (_gate)
        {
            return _bound.TryGetValue(node, out var t) ? t : null;
        }
    }

    /// <summary>Marks a node dead (its process was killed): it no longer counts, whatever it last said.</summary>
    public void MarkDead(string node, bool dead)
    {
        lock (_gate)
        {
            if (dead)
            {
                _dead.Add(node);
                _states[node] = VrrpState.Initialize;
                _states6[node] = VrrpState.Initialize;
            }
            else
            {
                _dead.Remove(node);
            }
        }
    }

    public void NodeState(string node, string router, DateTimeOffset at, VrrpState from, VrrpState to, string reason, int priority)
    {
        bool v6 = router == DemoSettings.Router6;
        lock (_gate)
        {
            if (_dead.Contains(node))
            {
                return;
            }

            if (v6)
            {
                _states6[node] = to;
            }
            else
            {
                _states[node] = to;
                if (to == VrrpState.Master)
                {
                    _masterSince[node] = at;
                }
            }
        }

        Narrator.Say(at, $"{node}{(v6 ? " [IPv6]" : "")}: {from} -> {to} ({reason}), priority {priority}");
    }

    public void NodeVip(string node, DateTimeOffset at, bool bound, string vip)
    {
        bool v6 = vip.Contains(':', StringComparison.Ordinal);
        if (bound && !v6)
        {
            lock (_gate)
            {
                _bound[node] = at;
            }
        }

        Narrator.Say(at, $"{node}: {(bound ? "bound" : "released")} {vip} on {DemoSettings.Interface}{(bound ? (v6 ? ", announced it (unsolicited NA)" : ", announced it (gratuitous ARP)") : "")}");
    }

    public void NodeMessage(string node, DateTimeOffset at, string text) => Narrator.Say(at, $"{node}: {text}");

    public void Probe(ProbeEvent e)
    {
        bool sameNode = false;
        bool v6 = e.Family == "IPv6";
        string who = v6 ? "client [IPv6]" : "client";
        lock (_gate)
        {
            var answers = v6 ? _answers6 : _answers;
            switch (e)
            {
                case ProbeAnswered a:
                    sameNode = answers.Count > 0 && answers[^1].Node == a.Node;
                    answers.Add(a);
                    if (v6)
                    {
                        _responder6 = a.Node;
                    }
                    else
                    {
                        _responder = a.Node;
                    }

                    break;
                case ProbeSilent when v6:
                    _responder6 = null;
                    break;
                case ProbeSilent:
                    _responder = null;
                    break;
            }
        }

        switch (e)
        {
            case ProbeAnswered { First: true } a:
                Narrator.Say(a.At, $"{who}: the VIP answers, from {a.Node}");
                break;
            case ProbeAnswered { Lost: 0 } a when sameNode:
                Narrator.Say(a.At, $"{who}: the VIP answers from {a.Node} again; the answers were {Narrator.Ms(a.Gap)} late, none lost (a busy CPU, not the network)");
                break;
            case ProbeAnswered a:
                Narrator.Say(a.At, $"{who}: the VIP answers from {a.Node} after a gap of {Narrator.Ms(a.Gap)} ({Narrator.Probes(a.Lost)} lost)");
                break;
            case ProbeSilent s:
                Narrator.Say(s.At, $"{who}: no answer from the VIP (last one from {s.LastNode} at {Narrator.Stamp(s.LastAnswer).Trim('[', ']').Trim()})");
                break;
        }
    }
}
