using System.Runtime.CompilerServices;
using SharpPcap;
using SharpPcap.LibPcap;
using VirtualIp.Announcing;
using VirtualIp.Linux.Packet;

namespace VirtualIp.Linux.Pcap;

/// <summary>
/// <see cref="IFrameSender"/> through libpcap (SharpPcap). An alternative to <see cref="AfPacketFrameSender"/> for
/// hosts where pcap is the preferred path; on Linux it needs the <c>libpcap0.8</c> package, loaded lazily on
/// construction. <see cref="Send"/> allocates nothing.
/// </summary>
internal sealed class PcapFrameSender : IFrameSender
{
    internal const string MissingLibPcapHint = "libpcap is not installed (apt-get install libpcap0.8, or dnf install libpcap)";
    private readonly LibPcapLiveDevice _device;

    /// <summary>Opens <paramref name="interfaceName"/> through libpcap (in the current network namespace).</summary>
    /// <exception cref="FrameSenderException">libpcap is missing, the interface is unknown, or opening it was refused.</exception>
    public PcapFrameSender(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        InterfaceName = interfaceName;
        _device = Open(interfaceName);
    }

    /// <inheritdoc />
    public string InterfaceName { get; }

    /// <inheritdoc />
    public void Send(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 14)
        {
            throw new ArgumentException($"An Ethernet frame is at least 14 bytes; got {frame.Length}.", nameof(frame));
        }

        try
        {
            _device.SendPacket(frame);
        }
        catch (PcapException ex)
        {
            throw new FrameSenderException($"libpcap could not send a {frame.Length}-byte frame on '{InterfaceName}': {ex.Message}", 0, null, ex);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _device.Close();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static LibPcapLiveDevice Open(string interfaceName)
    {
        LibPcapLiveDeviceList devices;
        try
        {
            // A fresh list (not the cached Instance): the list depends on the calling thread's network namespace.
            devices = LibPcapLiveDeviceList.New();
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new FrameSenderException("libpcap could not be loaded", 0, MissingLibPcapHint, ex);
        }

        var device = devices.FirstOrDefault(d => string.Equals(d.Name, interfaceName, StringComparison.Ordinal))
            ?? throw new FrameSenderException($"libpcap does not know interface '{interfaceName}'", Interop.Errno.ENODEV, $"interface '{interfaceName}' does not exist");
        try
        {
            device.Open(new DeviceConfiguration { Mode = DeviceModes.None, Snaplen = 128, ReadTimeout = 100 });
        }
        catch (PcapException ex)
        {
            bool perm = ex.Message.Contains("ermission", StringComparison.Ordinal) || ex.Message.Contains("EPERM", StringComparison.Ordinal);
            throw new FrameSenderException(
                $"libpcap could not open '{interfaceName}': {ex.Message}",
                perm ? Interop.Errno.EPERM : 0,
                perm ? AfPacketFrameSender.CapNetRawHint : null,
                ex);
        }

        return device;
    }
}
