namespace VirtualIp.Linux.Vrrp;

/// <summary>Why a received datagram was not handed to the VRRP handler.</summary>
internal enum ReceiveDropReason
{
    /// <summary>Not dropped.</summary>
    None,

    /// <summary>The IPv4 header did not parse (<c>Frames.IPv4.TryParse</c> says why).</summary>
    BadIPv4Header,

    /// <summary>The ancillary data lacks the hop limit or the packet info.</summary>
    MissingControlData,

    /// <summary>The kernel truncated the datagram or the ancillary data.</summary>
    KernelTruncated,
}
