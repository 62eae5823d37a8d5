using System.Buffers.Binary;
using VirtualIp.Addressing;

namespace VirtualIp.Linux.Netlink;

/// <summary>
/// Builds the rtnetlink link requests (RTM_NEWLINK / RTM_DELLINK) that create and configure a macvlan, and reads the
/// per-interface IPv4 settings (IFLA_AF_SPEC → AF_INET → IFLA_INET_CONF) from a link reply.
/// </summary>
internal static class NetlinkLinkMessages
{
    /// <summary>One IPv4 per-interface setting (net.ipv4.conf.IF.NAME): an IPV4_DEVCONF_* id and its value.</summary>
    internal readonly record struct DevConf(ushort Id, uint Value);

    /// <summary>
    /// RTM_NEWLINK (create, exclusive) for a macvlan named <paramref name="name"/> over <paramref name="parentIndex"/>
    /// with MAC <paramref name="mac"/>, left down: IFLA_IFNAME, IFLA_LINK, IFLA_ADDRESS, then IFLA_LINKINFO {
    /// IFLA_INFO_KIND "macvlan", IFLA_INFO_DATA { IFLA_MACVLAN_MODE } }.
    /// </summary>
    public static ReadOnlySpan<byte> WriteNewMacvlan(Span<byte> buffer, uint sequence, string name, int parentIndex, MacAddress mac, uint mode)
    {
        var w = new NetlinkWriter(buffer, Nl.RTM_NEWLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, sequence);
        w.WriteIfInfoMsg(Nl.AF_UNSPEC, 0);
        w.WriteAttributeString(Nl.IFLA_IFNAME, name);
        w.WriteAttributeU32(Nl.IFLA_LINK, (uint)parentIndex);
        Span<byte> macBytes = stackalloc byte[MacAddress.Length];
        mac.WriteTo(macBytes);
        w.WriteAttribute(Nl.IFLA_ADDRESS, macBytes);
        int linkInfo = w.BeginNested(Nl.IFLA_LINKINFO);
        w.WriteAttributeString(Nl.IFLA_INFO_KIND, "macvlan");
        int data = w.BeginNested(Nl.IFLA_INFO_DATA);
        w.WriteAttributeU32(Nl.IFLA_MACVLAN_MODE, mode);
        w.EndNested(data);
        w.EndNested(linkInfo);
        return w.Complete();
    }

    /// <summary>RTM_DELLINK by name.</summary>
    public static ReadOnlySpan<byte> WriteDeleteLink(Span<byte> buffer, uint sequence, string name)
    {
        var w = new NetlinkWriter(buffer, Nl.RTM_DELLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, sequence);
        w.WriteIfInfoMsg(Nl.AF_UNSPEC, 0);
        w.WriteAttributeString(Nl.IFLA_IFNAME, name);
        return w.Complete();
    }

    /// <summary>RTM_NEWLINK on an existing link: sets it up (or leaves its flags) and, when given, its alias (IFLA_IFALIAS).</summary>
    public static ReadOnlySpan<byte> WriteSetLink(Span<byte> buffer, uint sequence, int index, bool up, string? alias)
    {
        var w = new NetlinkWriter(buffer, Nl.RTM_NEWLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, sequence);
        w.WriteIfInfoMsg(Nl.AF_UNSPEC, index, up ? Nl.IFF_UP : 0, up ? Nl.IFF_UP : 0);
        if (alias is not null)
        {
            w.WriteAttributeString(Nl.IFLA_IFALIAS, alias);
        }

        return w.Complete();
    }

    /// <summary>
    /// RTM_NEWLINK on an existing link setting per-interface options: IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF {
    /// id: value, … } } } and, when <paramref name="noIPv6LinkLocal"/>, AF_INET6 { IFLA_INET6_ADDR_GEN_MODE none }.
    /// </summary>
    public static ReadOnlySpan<byte> WriteSetConf(Span<byte> buffer, uint sequence, int index, ReadOnlySpan<DevConf> ipv4, bool noIPv6LinkLocal)
    {
        var w = new NetlinkWriter(buffer, Nl.RTM_NEWLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, sequence);
        w.WriteIfInfoMsg(Nl.AF_UNSPEC, index);
        int spec = w.BeginNested(Nl.IFLA_AF_SPEC);
        if (!ipv4.IsEmpty)
        {
            int inet = w.BeginNested(Nl.AF_INET);
            int conf = w.BeginNested(Nl.IFLA_INET_CONF);
            foreach (var c in ipv4)
            {
                w.WriteAttributeU32(c.Id, c.Value);
            }

            w.EndNested(conf);
            w.EndNested(inet);
        }

        if (noIPv6LinkLocal)
        {
            int inet6 = w.BeginNested(Nl.AF_INET6);
            w.WriteAttributeU8(Nl.IFLA_INET6_ADDR_GEN_MODE, Nl.IN6_ADDR_GEN_MODE_NONE);
            w.EndNested(inet6);
        }

        w.EndNested(spec);
        return w.Complete();
    }

    /// <summary>
    /// Reads one IPv4 per-interface setting from an RTM_NEWLINK payload (IFLA_INET_CONF is an array of u32 indexed by
    /// id - 1). Never throws; false when the payload does not carry it.
    /// </summary>
    public static bool TryReadIPv4Conf(ReadOnlySpan<byte> payload, ushort id, out uint value)
    {
        value = 0;
        if (payload.Length < Nl.IfInfoMsgLength || id == 0)
        {
            return false;
        }

        if (!TryFindIn(payload[Nl.IfInfoMsgLength..], Nl.IFLA_AF_SPEC, out var spec)
            || !TryFindIn(spec, Nl.AF_INET, out var inet)
            || !TryFindIn(inet, Nl.IFLA_INET_CONF, out var conf)
            || conf.Length < id * 4)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32LittleEndian(conf[((id - 1) * 4)..]);
        return true;
    }

    private static bool TryFindIn(ReadOnlySpan<byte> nested, ushort type, out ReadOnlySpan<byte> value)
    {
        var attrs = new NetlinkAttributeReader(nested);
        while (attrs.TryRead(out ushort t, out value))
        {
            if (t == type)
            {
                return true;
            }
        }

        value = default;
        return false;
    }
}
