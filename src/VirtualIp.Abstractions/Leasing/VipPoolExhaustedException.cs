namespace VirtualIp.Leasing;

/// <summary>Every address of a pool is leased (or reserved): nothing can be granted until one is released or expires.</summary>
public sealed class VipPoolExhaustedException : Exception
{
    /// <summary>Creates the exception for a pool.</summary>
    public VipPoolExhaustedException(string pool, long capacity)
        : base($"VIP pool '{pool}' is exhausted: all {capacity} addresses are leased or reserved.")
    {
        Pool = pool;
        Capacity = capacity;
    }

    /// <summary>Creates the exception.</summary>
    public VipPoolExhaustedException() : this("?", 0) { }

    /// <summary>Creates the exception.</summary>
    public VipPoolExhaustedException(string message) : base(message) => Pool = "?";

    /// <summary>Creates the exception.</summary>
    public VipPoolExhaustedException(string message, Exception innerException) : base(message, innerException) => Pool = "?";

    /// <summary>The pool.</summary>
    public string Pool { get; }

    /// <summary>How many addresses the pool has (reserved ones excluded).</summary>
    public long Capacity { get; }
}
