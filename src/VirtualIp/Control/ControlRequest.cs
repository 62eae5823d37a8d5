namespace VirtualIp.Control;

/// <summary>Who asks for a runtime control action and why; both end up in the audit trail and the transition detail.</summary>
public sealed record ControlRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="by">Who acts: a user name, "uid=0(root) pid=1234", a tool name. Not empty.</param>
    /// <param name="reason">Why (a ticket, "kernel update"). Not empty.</param>
    /// <exception cref="ArgumentException"><paramref name="by"/> or <paramref name="reason"/> is empty or white space.</exception>
    public ControlRequest(string by, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        By = by;
        Reason = reason;
    }

    /// <summary>Who acts.</summary>
    public string By { get; }

    /// <summary>Why.</summary>
    public string Reason { get; }

    /// <summary>"by: reason", the form used in transition details and logs.</summary>
    public override string ToString() => $"{By}: {Reason}";
}
