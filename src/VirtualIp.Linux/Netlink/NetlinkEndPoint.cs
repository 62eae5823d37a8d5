using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Linux.Netlink;

/// <summary>
/// A <c>sockaddr_nl</c> (family 16, port id, groups bitmask). .NET has no AF_NETLINK, so the address is built on a
/// 12-byte <see cref="SocketAddress"/> of a family .NET accepts and the family bytes are then overwritten.
/// </summary>
internal sealed class NetlinkEndPoint : EndPoint
{
    /// <summary>sizeof(struct sockaddr_nl).</summary>
    internal const int Size = 12;

    public NetlinkEndPoint(uint portId = 0, uint groups = 0)
    {
        PortId = portId;
        Groups = groups;
    }

    /// <summary>nl_pid: 0 lets the kernel pick a unique port id.</summary>
    public uint PortId { get; }

    /// <summary>nl_groups: the legacy RTMGRP_* bitmask (0 = none; join groups with NETLINK_ADD_MEMBERSHIP instead).</summary>
    public uint Groups { get; }

    /// <inheritdoc />
    public override AddressFamily AddressFamily => AddressFamily.Packet;

    /// <inheritdoc />
    public override SocketAddress Serialize()
    {
        var sa = new SocketAddress(AddressFamily.Packet, Size);
        var b = sa.Buffer.Span;
        b.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(b, 16); // AF_NETLINK
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], PortId);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], Groups);
        return sa;
    }

    /// <inheritdoc />
    public override EndPoint Create(SocketAddress socketAddress)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        var b = socketAddress.Buffer.Span;
        return b.Length < Size ? new NetlinkEndPoint() : new NetlinkEndPoint(BinaryPrimitives.ReadUInt32LittleEndian(b[4..]), BinaryPrimitives.ReadUInt32LittleEndian(b[8..]));
    }
}
