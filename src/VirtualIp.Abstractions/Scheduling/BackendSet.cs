namespace VirtualIp.Scheduling;

/// <summary>
/// An immutable snapshot of the backends of one pool. A pool changes by building a new set and handing it to
/// <see cref="IBackendScheduler.Update"/>, which swaps it in atomically while picks go on.
/// </summary>
public sealed class BackendSet
{
    private readonly Backend[] _backends;

    /// <summary>Creates a snapshot of <paramref name="backends"/> (copied; names must be unique).</summary>
    public BackendSet(IEnumerable<Backend> backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        _backends = [.. backends];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < _backends.Length; i++)
        {
            var b = _backends[i] ?? throw new ArgumentException($"Backend #{i} is null.", nameof(backends));
            if (!names.Add(b.Name))
            {
                throw new ArgumentException($"Backend name '{b.Name}' appears twice; names must be unique in a set.", nameof(backends));
            }
        }
    }

    /// <summary>The empty set.</summary>
    public static BackendSet Empty { get; } = new([]);

    /// <summary>Number of backends.</summary>
    public int Count => _backends.Length;

    /// <summary>The backend at <paramref name="index"/>.</summary>
    public Backend this[int index] => _backends[index];

    /// <summary>The backends, in the order given.</summary>
    public ReadOnlySpan<Backend> AsSpan() => _backends;
}
