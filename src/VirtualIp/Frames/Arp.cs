using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VirtualIp.Addressing;

namespace VirtualIp.Frames;

/// <summary>ARP operation codes.</summary>
internal enum ArpOperation : ushort
{
    /// <summary>Request (1).</summary>
    Request = 1,

    /// <summary>Reply (2).</summary>
    Reply = 2,
}

/// <summary>What a gratuitous ARP puts in the target hardware address field (implementations differ; all are accepted by RFC 826 hosts).</summary>
public enum ArpTargetHardwareAddress
{
    /// <summary>ff:ff:ff:ff:ff:ff (keepalived's gratuitous requests).</summary>
    Broadcast,

    /// <summary>00:00:00:00:00:00 (RFC 5227 probes and announcements).</summary>
    Zero,

    /// <summary>The sender's own hardware address.</summary>
    Sender,
}

/// <summary>
/// Writes and parses Ethernet/IPv4 ARP frames (42 bytes, 46 with an 802.1Q tag; no padding is added, the NIC pads to 60).
/// The source MAC is the interface MAC or the VRRP virtual MAC (<see cref="MacAddress.ForVirtualRouter"/>).
/// </summary>
internal static class Arp
{
    /// <summary>Length of the ARP message for Ethernet/IPv4.</summary>
    public const int MessageLength = 28;

    /// <summary>Length of an untagged ARP frame.</summary>
    public const int FrameLength = Ethernet.HeaderLength + MessageLength;

    /// <summary>The frame length with or without a tag.</summary>
    public static int GetFrameLength(VlanTag? vlan = null) => Ethernet.GetHeaderLength(vlan) + MessageLength;

    /// <summary>Writes any Ethernet/IPv4 ARP frame and returns its length.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="operation">Request or reply.</param>
    /// <param name="ethernetSource">Ethernet source MAC.</param>
    /// <param name="ethernetDestination">Ethernet destination MAC.</param>
    /// <param name="senderHardwareAddress">Sender hardware address (SHA).</param>
    /// <param name="senderProtocolAddress">Sender protocol address (SPA, 4 bytes).</param>
    /// <param name="targetHardwareAddress">Target hardware address (THA).</param>
    /// <param name="targetProtocolAddress">Target protocol address (TPA, 4 bytes).</param>
    /// <param name="vlan">Optional 802.1Q tag.</param>
    /// <exception cref="ArgumentException">The destination is too small (the message names the size) or an address is not 4 bytes.</exception>
    public static int Write(Span<byte> destination, ArpOperation operation, MacAddress ethernetSource, MacAddress ethernetDestination,
        MacAddress senderHardwareAddress, ReadOnlySpan<byte> senderProtocolAddress, MacAddress targetHardwareAddress,
        ReadOnlySpan<byte> targetProtocolAddress, VlanTag? vlan = null)
    {
        FrameWriter.RequireAddress(senderProtocolAddress, 4, nameof(senderProtocolAddress));
        FrameWriter.RequireAddress(targetProtocolAddress, 4, nameof(targetProtocolAddress));
        if (operation is not (ArpOperation.Request or ArpOperation.Reply))
        {
            ThrowBadOperation(operation);
        }

        FrameWriter.EnsureSize(destination, GetFrameLength(vlan), "An ARP frame");
        var w = new FrameWriter(destination);
        w.WriteEthernetHeader(ethernetDestination, ethernetSource, EtherType.Arp, vlan);
        w.WriteUInt32(0x0001_0800); // hardware type Ethernet, protocol type IPv4
        w.WriteUInt16(0x0604);      // hardware length 6, protocol length 4
        w.WriteUInt16((ushort)operation);
        w.WriteMac(senderHardwareAddress);
        w.WriteBytes(senderProtocolAddress);
        w.WriteMac(targetHardwareAddress);
        w.WriteBytes(targetProtocolAddress);
        return w.Position;
    }

    /// <summary>
    /// Writes a gratuitous ARP request to broadcast: SPA = TPA = <paramref name="address"/>, SHA = <paramref name="sourceMac"/>.
    /// With the defaults this is byte-identical to keepalived's.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is too small or the address is not 4 bytes.</exception>
    public static int WriteGratuitousRequest(Span<byte> destination, MacAddress sourceMac, ReadOnlySpan<byte> address,
        ArpTargetHardwareAddress target = ArpTargetHardwareAddress.Broadcast, VlanTag? vlan = null) =>
        Write(destination, ArpOperation.Request, sourceMac, MacAddress.Broadcast, sourceMac, address, Target(target, sourceMac), address, vlan);

    /// <summary>Writes a gratuitous ARP reply to broadcast: SPA = TPA = <paramref name="address"/>.</summary>
    /// <exception cref="ArgumentException">The destination is too small or the address is not 4 bytes.</exception>
    public static int WriteGratuitousReply(Span<byte> destination, MacAddress sourceMac, ReadOnlySpan<byte> address,
        ArpTargetHardwareAddress target = ArpTargetHardwareAddress.Broadcast, VlanTag? vlan = null) =>
        Write(destination, ArpOperation.Reply, sourceMac, MacAddress.Broadcast, sourceMac, address, Target(target, sourceMac), address, vlan);

    /// <summary>Writes an RFC 5227 probe: a broadcast request with SPA 0.0.0.0, THA zero and TPA = <paramref name="address"/>.</summary>
    /// <exception cref="ArgumentException">The destination is too small or the address is not 4 bytes.</exception>
    public static int WriteProbe(Span<byte> destination, MacAddress sourceMac, ReadOnlySpan<byte> address, VlanTag? vlan = null) =>
        Write(destination, ArpOperation.Request, sourceMac, MacAddress.Broadcast, sourceMac, [0, 0, 0, 0], MacAddress.Zero, address, vlan);

    /// <summary>Writes an RFC 5227 announcement: a broadcast request with SPA = TPA = <paramref name="address"/> and THA zero.</summary>
    /// <exception cref="ArgumentException">The destination is too small or the address is not 4 bytes.</exception>
    public static int WriteAnnouncement(Span<byte> destination, MacAddress sourceMac, ReadOnlySpan<byte> address, VlanTag? vlan = null) =>
        Write(destination, ArpOperation.Request, sourceMac, MacAddress.Broadcast, sourceMac, address, MacAddress.Zero, address, vlan);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadOperation(ArpOperation operation) =>
        throw new ArgumentException($"ARP operation {(ushort)operation} is not Request (1) or Reply (2).", nameof(operation));

    private static MacAddress Target(ArpTargetHardwareAddress target, MacAddress sender) => target switch
    {
        ArpTargetHardwareAddress.Broadcast => MacAddress.Broadcast,
        ArpTargetHardwareAddress.Zero => MacAddress.Zero,
        ArpTargetHardwareAddress.Sender => sender,
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "Unknown target hardware address choice."),
    };

    /// <summary>
    /// Parses an Ethernet (optionally tagged) ARP frame for Ethernet/IPv4. Trailing padding is ignored. Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out ArpMessage message, out FrameRejectReason reason)
    {
        message = default;
        if (!Ethernet.TryParse(frame, EtherType.Arp, out var eth, out reason))
        {
            return false;
        }

        ReadOnlySpan<byte> p = eth.Payload;
        if (p.Length < MessageLength)
        {
            reason = FrameRejectReason.Truncated;
            return false;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(p) != 0x0001_0800 || BinaryPrimitives.ReadUInt16BigEndian(p[4..]) != 0x0604)
        {
            reason = FrameRejectReason.BadArpFormat;
            return false;
        }

        var op = (ArpOperation)BinaryPrimitives.ReadUInt16BigEndian(p[6..]);
        if (op is not (ArpOperation.Request or ArpOperation.Reply))
        {
            reason = FrameRejectReason.BadArpOperation;
            return false;
        }

        message = new ArpMessage(eth, op, p[..MessageLength]);
        reason = FrameRejectReason.None;
        return true;
    }
}

/// <summary>A parsed ARP message; the spans point into the received frame.</summary>
internal readonly ref struct ArpMessage
{
    private readonly ReadOnlySpan<byte> _message;

    internal ArpMessage(EthernetHeader ethernet, ArpOperation operation, ReadOnlySpan<byte> message)
    {
        Ethernet = ethernet;
        Operation = operation;
        _message = message;
    }

    /// <summary>The Ethernet header.</summary>
    public EthernetHeader Ethernet { get; }

    /// <summary>Request or reply.</summary>
    public ArpOperation Operation { get; }

    /// <summary>Sender hardware address.</summary>
    public MacAddress SenderHardwareAddress => MacAddress.Read(_message[8..], out _);

    /// <summary>Sender protocol address (4 bytes).</summary>
    public ReadOnlySpan<byte> SenderProtocolAddress => _message.Slice(14, 4);

    /// <summary>Target hardware address.</summary>
    public MacAddress TargetHardwareAddress => MacAddress.Read(_message[18..], out _);

    /// <summary>Target protocol address (4 bytes).</summary>
    public ReadOnlySpan<byte> TargetProtocolAddress => _message.Slice(24, 4);

    /// <summary>True when the sender and target protocol addresses are equal (gratuitous ARP or RFC 5227 announcement).</summary>
    public bool IsGratuitous => SenderProtocolAddress.SequenceEqual(TargetProtocolAddress);

    /// <summary>True for an RFC 5227 probe (request with sender protocol address 0.0.0.0).</summary>
    public bool IsProbe => Operation == ArpOperation.Request && BinaryPrimitives.ReadUInt32BigEndian(SenderProtocolAddress) == 0;
}
