using System.Buffers.Binary;

namespace VirtualIp.Linux.Vrrp;

/// <summary>Why a received datagram was not handed to the VRRP handler.</summary>
internal enum ReceiveDropReason
{
    /// <summary>Not dropped.</summary>
    None,

    /// <summary>Shorter than an IPv4 header, or shorter than its own header length.</summary>
    Truncated,

    /// <summary>IP version field is not 4.</summary>
    NotIPv4,

    /// <summary>IHL below 5 (20 bytes).</summary>
    BadHeaderLength,

    /// <summary>The IPv4 total length is shorter than the header.</summary>
    BadTotalLength,

    /// <summary>The ancillary data lacks the hop limit or the packet info.</summary>
    MissingControlData,

    /// <summary>The kernel truncated the datagram or the ancillary data.</summary>
    KernelTruncated,
}

/// <summary>Splits a datagram received on a raw IPv4 socket (header included) into the facts VRRP needs.</summary>
internal static class Ipv4DatagramReader
{
    /// <summary>Smallest IPv4 header.</summary>
    public const int MinHeaderLength = 20;

    /// <summary>
    /// Reads the IPv4 header at the start of <paramref name="datagram"/>. Never throws. The payload is bounded by the
    /// header's total length when that is shorter than what was received (Ethernet padding), otherwise by the datagram.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out byte ttl, out ReadOnlySpan<byte> source,
        out ReadOnlySpan<byte> destination, out ReadOnlySpan<byte> payload, out ReceiveDropReason reason)
    {
        ttl = 0;
        source = default;
        destination = default;
        payload = default;
        if (datagram.Length < MinHeaderLength)
        {
            reason = ReceiveDropReason.Truncated;
            return false;
        }

        if (datagram[0] >> 4 != 4)
        {
            reason = ReceiveDropReason.NotIPv4;
            return false;
        }

        var headerLength = (datagram[0] & 0x0F) * 4;
        if (headerLength < MinHeaderLength)
        {
            reason = ReceiveDropReason.BadHeaderLength;
            return false;
        }

        if (datagram.Length < headerLength)
        {
            reason = ReceiveDropReason.Truncated;
            return false;
        }

        // The Linux raw socket hands the header with tot_len in network order (host order only on some BSDs).
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(datagram.Slice(2, 2));
        if (totalLength < headerLength)
        {
            reason = ReceiveDropReason.BadTotalLength;
            return false;
        }

        var end = Math.Min(totalLength, datagram.Length);
        ttl = datagram[8];
        source = datagram.Slice(12, 4);
        destination = datagram.Slice(16, 4);
        payload = datagram[headerLength..end];
        reason = ReceiveDropReason.None;
        return true;
    }
}
