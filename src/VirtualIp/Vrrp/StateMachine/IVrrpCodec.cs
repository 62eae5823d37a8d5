namespace VirtualIp.Vrrp;

/// <summary>
/// Internal seam over <see cref="VrrpCodec"/> so the state machine can be exercised without the wire format
/// (tests and benchmarks). Production always uses <see cref="DefaultVrrpCodec"/>.
/// </summary>
internal interface IVrrpCodec
{
    int Write(Span<byte> destination, in VrrpMessage message, ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, VrrpChecksumMode checksumMode);

    bool TryRead(ReadOnlySpan<byte> payload, in VrrpReceiveContext context, out VrrpMessage message, out VrrpRejectReason reason);
}

/// <summary>The real codec.</summary>
internal sealed class DefaultVrrpCodec : IVrrpCodec
{
    public static readonly DefaultVrrpCodec Instance = new();

    private DefaultVrrpCodec()
    {
    }

    public int Write(Span<byte> destination, in VrrpMessage message, ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress, VrrpChecksumMode checksumMode) =>
        VrrpCodec.Write(destination, message, sourceAddress, destinationAddress, checksumMode);

    public bool TryRead(ReadOnlySpan<byte> payload, in VrrpReceiveContext context, out VrrpMessage message, out VrrpRejectReason reason) =>
        VrrpCodec.TryRead(payload, context, out message, out reason);
}
