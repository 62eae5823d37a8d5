namespace VirtualIp.Linux.Netlink;

/// <summary>Tuning for <see cref="NetlinkAddressWatcher"/>.</summary>
internal sealed class NetlinkWatcherOptions
{
    /// <summary>The event socket's initial receive buffer (SO_RCVBUF) in bytes; default 1 MiB.</summary>
    public int ReceiveBufferSize { get; init; } = 1024 * 1024;

    /// <summary>The largest the buffer is grown to after an overflow (ENOBUFS); default 16 MiB.</summary>
    public int MaxReceiveBufferSize { get; init; } = 16 * 1024 * 1024;
}
