using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Linux.Packet;

/// <summary>A <c>sockaddr_ll</c> for binding an AF_PACKET socket to one interface.</summary>
internal sealed class PacketEndPoint : EndPoint
{
    /// <summary>sizeof(struct sockaddr_ll).</summary>
    internal const int Size = 20;

    public PacketEndPoint(int interfaceIndex, ushort protocol = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(interfaceIndex);
        InterfaceIndex = interfaceIndex;
        Protocol = protocol;
    }

    /// <summary>sll_ifindex.</summary>
    public int InterfaceIndex { get; }

    /// <summary>sll_protocol (an ETH_P_* value in host order; 0 = send only).</summary>
    public ushort Protocol { get; }

    /// <inheritdoc />
    public override AddressFamily AddressFamily => AddressFamily.Packet;

    /// <inheritdoc />
    public override SocketAddress Serialize()
    {
        // .NET writes sll_family (bytes 0-1) itself.
        var sa = new SocketAddress(AddressFamily.Packet, Size);
        var b = sa.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(b[2..], Protocol);
        BinaryPrimitives.WriteInt32LittleEndian(b[4..], InterfaceIndex);
        return sa;
    }

    /// <inheritdoc />
    public override EndPoint Create(SocketAddress socketAddress)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        var b = socketAddress.Buffer.Span;
        return new PacketEndPoint(BinaryPrimitives.ReadInt32LittleEndian(b[4..]), BinaryPrimitives.ReadUInt16BigEndian(b[2..]));
    }

    /// <inheritdoc />
    public override string ToString() => $"packet:if{InterfaceIndex}/0x{Protocol:x4}";
}
