namespace VirtualIp.Demo;

/// <summary>What the client saw: the VIP answered from another node (or again after silence), or stopped answering.</summary>
internal abstract record ProbeEvent(DateTimeOffset At)
{
    /// <summary>"IPv4" or "IPv6": which VIP was probed.</summary>
    public string Family { get; init; } = "IPv4";
}

/// <summary>The first answer from <paramref name="Node"/> after a change; <paramref name="Gap"/> = time since the previous answer.</summary>
internal sealed record ProbeAnswered(DateTimeOffset At, string Node, TimeSpan Gap, long Lost, bool First) : ProbeEvent(At);

/// <summary>No answer for <see cref="DemoSettings.LostAfter"/>; <paramref name="LastAnswer"/> is when the last one came.</summary>
internal sealed record ProbeSilent(DateTimeOffset At, DateTimeOffset LastAnswer, string LastNode) : ProbeEvent(At);

/// <summary>
/// Turns a stream of probes (sequence numbers) and answers into events: who answers, when answers stop, and how long
/// the gap was (last answer before it to first answer after it) with the number of probes lost. Thread-safe.
/// </summary>
internal sealed class ProbeTracker(Action<ProbeEvent> publish, string family = "IPv4")
{
    private readonly Lock _gate = new();
    private long _lastSeq = -1;
    private DateTimeOffset _lastAnswer;
    private string? _lastNode;
    private bool _silent;

    public void OnAnswer(long sequence, string node, DateTimeOffset at)
    {
        ProbeEvent? e = null;
        lock (_gate)
        {
            if (sequence <= _lastSeq)
            {
                return; // late or duplicate
            }

            if (_lastNode is null)
            {
                e = new ProbeAnswered(at, node, TimeSpan.Zero, 0, First: true) { Family = family };
            }
            else if (node != _lastNode || _silent)
            {
                e = new ProbeAnswered(at, node, at - _lastAnswer, sequence - _lastSeq - 1, First: false) { Family = family };
            }

            _lastSeq = sequence;
            _lastAnswer = at;
            _lastNode = node;
            _silent = false;
        }

        if (e is not null)
        {
            publish(e);
        }
    }

    /// <summary>
    /// Call after every probe sent, with its sequence number. Silence = at least five probes sent after the last answer are
    /// unanswered and <see cref="DemoSettings.LostAfter"/> passed (so a prober starved of CPU does not report an outage).
    /// </summary>
    public void OnTick(long sentSequence, DateTimeOffset at)
    {
        ProbeEvent? e = null;
        lock (_gate)
        {
            if (_lastNode is not null && !_silent && sentSequence - _lastSeq > 5 && at - _lastAnswer > DemoSettings.LostAfter)
            {
                _silent = true;
                e = new ProbeSilent(at, _lastAnswer, _lastNode) { Family = family };
            }
        }

        if (e is not null)
        {
            publish(e);
        }
    }
}
