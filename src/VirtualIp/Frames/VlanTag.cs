namespace VirtualIp.Frames;

/// <summary>An IEEE 802.1Q tag: VLAN identifier and priority code point.</summary>
internal readonly record struct VlanTag
{
    /// <summary>Creates a tag.</summary>
    /// <param name="id">The VLAN identifier, 0 to 4094 (0 means priority-tagged only).</param>
    /// <param name="priority">The priority code point, 0 to 7.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public VlanTag(ushort id, byte priority = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id, (ushort)4094);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, (byte)7);
        Id = id;
        Priority = priority;
    }

    /// <summary>The VLAN identifier.</summary>
    public ushort Id { get; }

    /// <summary>The priority code point (802.1p).</summary>
    public byte Priority { get; }

    /// <summary>The drop eligible indicator.</summary>
    public bool DropEligible { get; init; }

    /// <summary>The 16-bit tag control information as written after the 0x8100 TPID.</summary>
    public ushort ControlInformation => (ushort)((Priority << 13) | (DropEligible ? 0x1000 : 0) | Id);

    internal static VlanTag FromControlInformation(ushort tci) =>
        new((ushort)Math.Min(tci & 0x0FFF, 4094), (byte)(tci >> 13)) { DropEligible = (tci & 0x1000) != 0 };
}
