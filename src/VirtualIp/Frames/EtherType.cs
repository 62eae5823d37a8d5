namespace VirtualIp.Frames;

/// <summary>EtherType values the frame builders use.</summary>
internal static class EtherType
{
    /// <summary>IPv4.</summary>
    public const ushort IPv4 = 0x0800;

    /// <summary>ARP.</summary>
    public const ushort Arp = 0x0806;

    /// <summary>IEEE 802.1Q VLAN tag protocol identifier.</summary>
    public const ushort Vlan = 0x8100;

    /// <summary>IPv6.</summary>
    public const ushort IPv6 = 0x86DD;
}
