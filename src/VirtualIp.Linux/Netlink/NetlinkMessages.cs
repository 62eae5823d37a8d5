using System.Buffers.Binary;
using System.Net;
using System.Text;
using VirtualIp.Addressing;
using VirtualIp.Binding;

namespace VirtualIp.Linux.Netlink;

/// <summary>A link as rtnetlink reports it (RTM_NEWLINK).</summary>
internal sealed record LinkState(int Index, string? Name, uint Flags, MacAddress Mac, int Mtu, byte OperState)
{
    /// <summary>The link's alias (IFLA_IFALIAS, <c>ip link set … alias</c>), or null.</summary>
    public string? Alias { get; init; }

    /// <summary>Administratively up and running (carrier).</summary>
    public bool IsUp => (Flags & Nl.IFF_UP) != 0 && (Flags & Nl.IFF_RUNNING) != 0;
}

/// <summary>Builds and parses rtnetlink address and link messages.</summary>
internal static class NetlinkMessages
{
    /// <summary>Writes RTM_NEWADDR (create, exclusive) or RTM_DELADDR for <paramref name="vip"/>.</summary>
    public static ReadOnlySpan<byte> WriteAddressRequest(
        Span<byte> buffer, bool add, uint sequence, int interfaceIndex, VipAddress vip, VipBindOptions? options)
    {
        ushort flags = (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK);
        if (add)
        {
            flags |= Nl.NLM_F_CREATE | Nl.NLM_F_EXCL;
        }

        var w = new NetlinkWriter(buffer, add ? Nl.RTM_NEWADDR : Nl.RTM_DELADDR, flags, sequence);
        bool v6 = vip.IsIPv6;
        uint ifaFlags = 0;
        if (add && options is not null)
        {
            if (v6 && options.NoDad)
            {
                ifaFlags |= Nl.IFA_F_NODAD;
            }

            if (options.NoPrefixRoute)
            {
                ifaFlags |= Nl.IFA_F_NOPREFIXROUTE;
            }
        }

        w.WriteIfAddrMsg(v6 ? Nl.AF_INET6 : Nl.AF_INET, (byte)vip.PrefixLength, (byte)ifaFlags, ScopeOf(vip.Address), interfaceIndex);
        if (!v6)
        {
            w.WriteAttributeAddress(Nl.IFA_LOCAL, vip.Address);
        }

        w.WriteAttributeAddress(Nl.IFA_ADDRESS, vip.Address);
        if (add)
        {
            if (!v6 && options?.Label is { Length: > 0 } label)
            {
                w.WriteAttributeString(Nl.IFA_LABEL, label);
            }

            w.WriteAttributeU32(Nl.IFA_FLAGS, ifaFlags);
            if (options?.MarkOwned ?? true)
            {
                w.WriteAttributeU8(Nl.IFA_PROTO, OwnershipMark.Value);
            }
        }

        return w.Complete();
    }

    /// <summary>Writes an RTM_GETADDR dump request (optionally filtered to one interface).</summary>
    public static ReadOnlySpan<byte> WriteAddressDump(Span<byte> buffer, uint sequence, byte family, int interfaceIndex)
    {
        var w = new NetlinkWriter(buffer, Nl.RTM_GETADDR, (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP), sequence);
        w.WriteIfAddrMsg(family, 0, 0, 0, interfaceIndex);
        return w.Complete();
    }

    /// <summary>Writes an RTM_GETLINK request for one interface by name.</summary>
    public static ReadOnlySpan<byte> WriteLinkByName(Span<byte> buffer, uint sequence, ReadOnlySpan<char> name)
    {
        var w = new NetlinkWriter(buffer, Nl.RTM_GETLINK, Nl.NLM_F_REQUEST, sequence);
        w.WriteIfInfoMsg(Nl.AF_UNSPEC, 0);
        w.WriteAttributeString(Nl.IFLA_IFNAME, name);
        return w.Complete();
    }

    /// <summary>Writes an RTM_GETLINK dump request.</summary>
    public static ReadOnlySpan<byte> WriteLinkDump(Span<byte> buffer, uint sequence)
    {
        var w = new NetlinkWriter(buffer, Nl.RTM_GETLINK, (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP), sequence);
        w.WriteIfInfoMsg(Nl.AF_UNSPEC, 0);
        return w.Complete();
    }

    /// <summary>The scope the kernel would pick: host for 127/8 and ::1, link for fe80::/10, else universe.</summary>
    public static byte ScopeOf(IPAddress address)
    {
        if (IPAddress.IsLoopback(address))
        {
            return Nl.RT_SCOPE_HOST;
        }

        return address.IsIPv6LinkLocal ? Nl.RT_SCOPE_LINK : Nl.RT_SCOPE_UNIVERSE;
    }

    /// <summary>Reads the interface index of an RTM_NEWLINK/DELLINK message without allocating.</summary>
    public static bool TryReadLinkIndex(ReadOnlySpan<byte> payload, out int index, out uint flags)
    {
        index = 0;
        flags = 0;
        if (payload.Length < Nl.IfInfoMsgLength)
        {
            return false;
        }

        index = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        return true;
    }

    /// <summary>Parses an RTM_NEWLINK/DELLINK payload.</summary>
    public static bool TryParseLink(ReadOnlySpan<byte> payload, out LinkState? link)
    {
        link = null;
        if (!TryReadLinkIndex(payload, out int index, out uint flags))
        {
            return false;
        }

        string? name = null;
        MacAddress mac = default;
        int mtu = 0;
        byte oper = Nl.IF_OPER_UNKNOWN;
        string? alias = null;
        var attrs = new NetlinkAttributeReader(payload[Nl.IfInfoMsgLength..]);
        while (attrs.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Nl.IFLA_IFNAME:
                    name = ReadString(value);
                    break;
                case Nl.IFLA_ADDRESS when value.Length == MacAddress.Length:
                    mac = new MacAddress(value);
                    break;
                case Nl.IFLA_MTU when value.Length >= 4:
                    mtu = (int)BinaryPrimitives.ReadUInt32LittleEndian(value);
                    break;
                case Nl.IFLA_OPERSTATE when value.Length >= 1:
                    oper = value[0];
                    break;
                case Nl.IFLA_IFALIAS:
                    alias = ReadString(value);
                    break;
            }
        }

        link = new LinkState(index, name, flags, mac, mtu, oper) { Alias = alias };
        return true;
    }

    /// <summary>Parses an RTM_NEWADDR/DELADDR payload.</summary>
    public static bool TryParseAddress(ReadOnlySpan<byte> payload, out BoundAddress? address, out byte scope)
    {
        address = null;
        scope = 0;
        if (payload.Length < Nl.IfAddrMsgLength)
        {
            return false;
        }

        byte family = payload[0];
        int addrLen = family switch { Nl.AF_INET => 4, Nl.AF_INET6 => 16, _ => 0 };
        if (addrLen == 0)
        {
            return false;
        }

        byte prefix = payload[1];
        uint flags = payload[2];
        scope = payload[3];
        int index = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        ReadOnlySpan<byte> local = default, addr = default;
        string? label = null;
        bool owned = false;
        var attrs = new NetlinkAttributeReader(payload[Nl.IfAddrMsgLength..]);
        while (attrs.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Nl.IFA_LOCAL when value.Length == addrLen:
                    local = value;
                    break;
                case Nl.IFA_ADDRESS when value.Length == addrLen:
                    addr = value;
                    break;
                case Nl.IFA_LABEL:
                    label = ReadString(value);
                    break;
                case Nl.IFA_FLAGS when value.Length >= 4:
                    flags = BinaryPrimitives.ReadUInt32LittleEndian(value);
                    break;
                case Nl.IFA_PROTO when value.Length >= 1:
                    owned = value[0] == OwnershipMark.Value;
                    break;
            }
        }

        var bytes = !local.IsEmpty ? local : addr;
        if (bytes.IsEmpty || prefix > addrLen * 8)
        {
            return false;
        }

        address = new BoundAddress(new IPAddress(bytes), prefix, index, label, flags, owned);
        return true;
    }

    private static string ReadString(ReadOnlySpan<byte> value)
    {
        int nul = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? value[..nul] : value);
    }
}
