namespace VirtualIp.Chaos;

/// <summary>
/// The client-observed failover of a crash fault: <see cref="Ms"/> from the fault to the first reply from another
/// node (NaN if none came); <see cref="Void"/> says why the figure cannot be judged (the client's own probe sender or
/// receiver stalled across the moment service came back), or null.
/// </summary>
internal readonly record struct Failover(double Ms, int Node, long At, string? Void);
