namespace VirtualIp.Pools;

/// <summary>
/// The free addresses of a pool as disjoint intervals in a balanced tree: take, give back and next-fit search are
/// O(log n) in the number of intervals, whatever the pool's size (an IPv6 /64 is one interval). Not thread-safe.
/// </summary>
/// <remarks>
/// Next-fit (a cursor that moves forward and wraps) hands out addresses in order and reuses a released address last,
/// which keeps a released address free for its previous holder as long as possible (stickiness without a scan).
/// </remarks>
internal sealed class FreeAddressSet
{
    private static readonly UInt128 s_max = UInt128.MaxValue;
    private readonly SortedSet<Interval> _tree = new(IntervalComparer.Instance);
    private UInt128 _cursor;

    /// <summary>How many disjoint intervals hold the free addresses (the n of the O(log n)).</summary>
    public int IntervalCount => _tree.Count;

    /// <summary>How many addresses are free.</summary>
    public UInt128 Count { get; private set; }

    /// <summary>Moves the next-fit cursor (where the next search starts).</summary>
    public void Seek(UInt128 cursor) => _cursor = cursor;

    /// <summary>Where the next search starts.</summary>
    public UInt128 Cursor => _cursor;

    /// <summary>Adds a whole range (at construction; ranges must not overlap what is there).</summary>
    public void AddRange(UInt128 first, UInt128 last) => AddInterval(first, last);

    /// <summary>True if <paramref name="address"/> is free.</summary>
    public bool Contains(UInt128 address) => Floor(address) is { } f && f.Last >= address;

    /// <summary>Marks <paramref name="address"/> as taken. Returns false if it was not free.</summary>
    public bool Remove(UInt128 address)
    {
        if (Floor(address) is not { } f || f.Last < address)
        {
            return false;
        }

        _tree.Remove(f);
        if (f.First < address)
        {
            _tree.Add(new Interval(f.First, address - 1));
        }

        if (address < f.Last)
        {
            _tree.Add(new Interval(address + 1, f.Last));
        }

        Count--;
        return true;
    }

    /// <summary>Returns <paramref name="address"/> to the free set (no-op if already free).</summary>
    public bool Add(UInt128 address)
    {
        if (Contains(address))
        {
            return false;
        }

        AddInterval(address, address);
        return true;
    }

    /// <summary>Takes the next free address at or after the cursor (wrapping), or returns false when none is free.</summary>
    public bool TryTakeNext(out UInt128 address)
    {
        address = default;
        if (_tree.Count == 0)
        {
            return false;
        }

        Interval chosen;
        if (Floor(_cursor) is { } f && f.Last >= _cursor)
        {
            address = _cursor;
        }
        else
        {
            chosen = (_cursor == s_max ? null : Ceiling(_cursor + 1)) ?? _tree.Min!;
            address = chosen.First;
        }

        Remove(address);
        _cursor = address == s_max ? 0 : address + 1;
        return true;
    }

    private void AddInterval(UInt128 first, UInt128 last)
    {
        Count += last - first + 1;
        if (first > 0 && Floor(first - 1) is { } left && left.Last == first - 1)
        {
            _tree.Remove(left);
            first = left.First;
        }

        if (last < s_max && Ceiling(last + 1) is { } right && right.First == last + 1)
        {
            _tree.Remove(right);
            last = right.Last;
        }

        _tree.Add(new Interval(first, last));
    }

    private Interval? Floor(UInt128 address) =>
        _tree.Count == 0 || _tree.Min!.First > address ? null : _tree.GetViewBetween(new Interval(0, 0), new Interval(address, address)).Max;

    private Interval? Ceiling(UInt128 address) =>
        _tree.Count == 0 || _tree.Max!.First < address ? null : _tree.GetViewBetween(new Interval(address, address), new Interval(s_max, s_max)).Min;

    private sealed record Interval(UInt128 First, UInt128 Last);

    private sealed class IntervalComparer : IComparer<Interval>
    {
        public static readonly IntervalComparer Instance = new();

        public int Compare(Interval? x, Interval? y) => x!.First.CompareTo(y!.First);
    }
}
