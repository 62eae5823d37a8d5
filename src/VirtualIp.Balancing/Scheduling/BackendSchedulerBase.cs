using System.Runtime.CompilerServices;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Scheduling;

/// <summary>Per-snapshot state of a scheduler: the set and a flat array of its backends.</summary>
internal class SchedulerState
{
    public SchedulerState(BackendSet set)
    {
        Set = set;
        Backends = set.AsSpan().ToArray();
    }

    public BackendSet Set { get; }

    public Backend[] Backends { get; }
}

/// <summary>
/// Shared shape of the built-in schedulers: the snapshot state is built off to the side by <see cref="Build"/> and
/// published with a volatile write; picks read it once and never lock.
/// </summary>
internal abstract class BackendSchedulerBase<TState> : IBackendScheduler
    where TState : SchedulerState
{
    private TState _state;

    protected BackendSchedulerBase(TState empty)
    {
        _state = empty;
    }

    public abstract string Name { get; }

    public BackendSet Backends => Volatile.Read(ref _state).Set;

    protected TState State
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _state);
    }

    public void Update(BackendSet backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        Volatile.Write(ref _state, Build(backends));
    }

    public abstract Backend? Pick(in PickContext context);

    public override string ToString() => Name;

    protected abstract TState Build(BackendSet set);

    /// <summary>The first available backend at or after <paramref name="start"/>, wrapping around; null if none.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    protected static Backend? ScanFrom(Backend[] backends, int start)
    {
        int n = backends.Length;
        for (int k = 0; k < n; k++)
        {
            int i = start + k;
            if (i >= n)
            {
                i -= n;
            }

            var b = backends[i];
            if (b.IsAvailable)
            {
                return b;
            }
        }

        return null;
    }

    /// <summary>Greatest common divisor of the weights (1 for an empty set).</summary>
    protected static int WeightGcd(Backend[] backends)
    {
        int g = 0;
        foreach (var b in backends)
        {
            int a = b.Weight;
            while (a != 0)
            {
                (g, a) = (a, g % a);
            }
        }

        return g == 0 ? 1 : g;
    }

    /// <summary>True when every backend has the same weight.</summary>
    protected static bool AllWeightsEqual(Backend[] backends)
    {
        for (int i = 1; i < backends.Length; i++)
        {
            if (backends[i].Weight != backends[0].Weight)
            {
                return false;
            }
        }

        return true;
    }
}
