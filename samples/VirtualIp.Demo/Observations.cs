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
    private readonly List<ProbeAnswered> _answers = [];
    private string? _responder;

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

    /// <summary>The live node in Master state, if exactly one is.</summary>
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
    public ProbeAnswered? AnswerAfter(DateTimeOffset after, string node)
    {
        lock (_gate)
        {
            return _answers.FirstOrDefault(a => a.At >= after && !a.First && a.Node == node);
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
            }
            else
            {
                _dead.Remove(node);
            }
        }
    }

    public void NodeState(string node, DateTimeOffset at, VrrpState from, VrrpState to, string reason, int priority)
    {
        lock (_gate)
        {
            if (_dead.Contains(node))
            {
                return;
            }

            _states[node] = to;
            if (to == VrrpState.Master)
            {
                _masterSince[node] = at;
            }
        }

        Narrator.Say(at, $"{node}: {from} -> {to} ({reason}), priority {priority}");
    }

    public void NodeVip(string node, DateTimeOffset at, bool bound, string vip)
    {
        if (bound)
        {
            lock (_gate)
            {
                _bound[node] = at;
            }
        }

        Narrator.Say(at, $"{node}: {(bound ? "bound" : "released")} {vip} on {DemoSettings.Interface}{(bound ? ", announced it (gratuitous ARP)" : "")}");
    }

    public void NodeMessage(string node, DateTimeOffset at, string text) => Narrator.Say(at, $"{node}: {text}");

    public void Probe(ProbeEvent e)
    {
        bool sameNode = false;
        lock (_gate)
        {
            switch (e)
            {
                case ProbeAnswered a:
                    sameNode = _answers.Count > 0 && _answers[^1].Node == a.Node;
                    _responder = a.Node;
                    _answers.Add(a);
                    break;
                case ProbeSilent:
                    _responder = null;
                    break;
            }
        }

        switch (e)
        {
            case ProbeAnswered { First: true } a:
                Narrator.Say(a.At, $"client: the VIP answers, from {a.Node}");
                break;
            case ProbeAnswered { Lost: 0 } a when sameNode:
                Narrator.Say(a.At, $"client: the VIP answers from {a.Node} again; the answers were {Narrator.Ms(a.Gap)} late, none lost (a busy CPU, not the network)");
                break;
            case ProbeAnswered a:
                Narrator.Say(a.At, $"client: the VIP answers from {a.Node} after a gap of {Narrator.Ms(a.Gap)} ({Narrator.Probes(a.Lost)} lost)");
                break;
            case ProbeSilent s:
                Narrator.Say(s.At, $"client: no answer from the VIP (last one from {s.LastNode} at {Narrator.Stamp(s.LastAnswer).Trim('[', ']').Trim()})");
                break;
        }
    }
}
