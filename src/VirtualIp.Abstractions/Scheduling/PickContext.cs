namespace VirtualIp.Scheduling;

/// <summary>
/// What a scheduler may look at to pick a backend. Hash-based schedulers (source hash, Maglev, rendezvous) use the
/// key: either the raw bytes (e.g. the client address as written by <c>IPAddress.TryWriteBytes</c>) or a number.
/// The other schedulers ignore it; <c>default</c> is a context without key. Creating one allocates nothing.
/// </summary>
public readonly ref struct PickContext
{
    /// <summary>A context keyed by raw bytes (hashed with a stable, process-independent hash).</summary>
    public PickContext(ReadOnlySpan<byte> key)
    {
        Key = key;
    }

    /// <summary>A context keyed by a number (e.g. an IPv4 address or a flow id).</summary>
    public PickContext(ulong key)
    {
        NumericKey = key;
        HasNumericKey = true;
    }

    /// <summary>A context keyed by a 128-bit number (e.g. an IPv6 address); both halves are folded into the key.</summary>
    public PickContext(UInt128 key)
    {
        ulong hi = (ulong)(key >> 64);
        NumericKey = (ulong)key ^ ((hi * 0x9E3779B97F4A7C15UL) + (hi >> 29));
        HasNumericKey = true;
    }

    /// <summary>The key bytes (empty when the key is numeric or absent).</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>The numeric key, meaningful when <see cref="HasNumericKey"/> is true.</summary>
    public ulong NumericKey { get; }

    /// <summary>True when the context carries <see cref="NumericKey"/>.</summary>
    public bool HasNumericKey { get; }

    /// <summary>True when the context carries any key.</summary>
    public bool HasKey => HasNumericKey || !Key.IsEmpty;
}
