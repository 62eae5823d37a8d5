namespace VirtualIp.Vrrp;

// Placeholder bodies: the wire-format work replaces this file with VrrpCodec.Write.cs and VrrpCodec.Read.cs.
public static partial class VrrpCodec
{
    public static partial int Write(Span<byte> destination, in VrrpMessage message, ReadOnlySpan<byte> sourceAddress,
        ReadOnlySpan<byte> destinationAddress, VrrpChecksumMode checksumMode) => throw new NotImplementedException();

    public static partial bool TryRead(ReadOnlySpan<byte> payload, in VrrpReceiveContext context, out VrrpMessage message, out VrrpRejectReason reason) =>
        throw new NotImplementedException();
}
