using VirtualIp.Addressing;

namespace VirtualIp.Linux.Netlink;

/// <summary>Link changes: the macvlan of the VRRP virtual MAC (create, mark, configure, bring up, delete).</summary>
internal sealed partial class NetlinkClient
{
    /// <summary>Creates a macvlan (left down) named <paramref name="name"/> over <paramref name="parentIndex"/> with MAC <paramref name="mac"/>.</summary>
    public Outcome CreateMacvlan(string name, int parentIndex, MacAddress mac, uint mode = Nl.MACVLAN_MODE_PRIVATE)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            uint seq = _socket.NextSequence();
            return Transact(NetlinkLinkMessages.WriteNewMacvlan(_request, seq, name, parentIndex, mac, mode), seq, expectReplyType: 0, out _);
        }
    }

    /// <summary>Deletes the link named <paramref name="name"/>; ENODEV in the outcome when there is none.</summary>
    public Outcome DeleteLink(string name)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            uint seq = _socket.NextSequence();
            return Transact(NetlinkLinkMessages.WriteDeleteLink(_request, seq, name), seq, expectReplyType: 0, out _);
        }
    }

    /// <summary>Sets a link up (when <paramref name="up"/>) and its alias (when not null).</summary>
    public Outcome SetLink(int index, bool up, string? alias)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            uint seq = _socket.NextSequence();
            return Transact(NetlinkLinkMessages.WriteSetLink(_request, seq, index, up, alias), seq, expectReplyType: 0, out _);
        }
    }

    /// <summary>Sets IPv4 per-interface options (net.ipv4.conf.IF.*) and optionally IPv6 address generation "none".</summary>
    public Outcome SetConf(int index, ReadOnlySpan<NetlinkLinkMessages.DevConf> ipv4, bool noIPv6LinkLocal)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            uint seq = _socket.NextSequence();
            return Transact(NetlinkLinkMessages.WriteSetConf(_request, seq, index, ipv4, noIPv6LinkLocal), seq, expectReplyType: 0, out _);
        }
    }

    /// <summary>Reads an IPv4 per-interface option of link <paramref name="name"/> (null when the kernel did not report it).</summary>
    public Outcome GetIPv4Conf(string name, ushort id, out uint? value)
    {
        value = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            uint seq = _socket.NextSequence();
            var outcome = Transact(NetlinkMessages.WriteLinkByName(_request, seq, name), seq, Nl.RTM_NEWLINK, out int replyLength);
            var r = new NetlinkReader(_receive.AsSpan(0, outcome.Errno == 0 ? replyLength : 0));
            while (r.TryRead(out var m))
            {
                if (m.Sequence == seq && m.Type == Nl.RTM_NEWLINK && NetlinkLinkMessages.TryReadIPv4Conf(m.Payload, id, out uint v))
                {
                    value = v;
                    break;
                }
            }

            return outcome;
        }
    }
}
