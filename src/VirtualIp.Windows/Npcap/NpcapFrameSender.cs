using SharpPcap;
using SharpPcap.LibPcap;
using VirtualIp.Announcing;
using VirtualIp.Binding;

namespace VirtualIp.Windows.Npcap;

/// <summary>
/// Sends raw Ethernet frames through Npcap (SharpPcap): the only user-mode way to put a gratuitous ARP on the wire
/// on Windows, since Windows raw sockets stop at IP. Npcap is a separate install (its OEM edition for silent installs).
/// </summary>
internal sealed class NpcapFrameSender : IFrameSender
{
    private readonly LibPcapLiveDevice _device;

    public NpcapFrameSender(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        InterfaceName = interfaceName;
        LibPcapLiveDeviceList devices;
        try
        {
            devices = LibPcapLiveDeviceList.New();
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or PcapException)
        {
            throw new VipBindingException($"Npcap could not be loaded to announce on '{interfaceName}'", 0, "install Npcap (https://npcap.com) with WinPcap API compatibility", ex);
        }

        _device = devices.FirstOrDefault(d => string.Equals(d.Interface?.FriendlyName, interfaceName, StringComparison.OrdinalIgnoreCase) || d.Name == interfaceName)
            ?? throw new VipBindingException($"Npcap has no adapter named '{interfaceName}'", 0, "use the interface alias shown by Get-NetAdapter");
        _device.Open(new DeviceConfiguration { Mode = DeviceModes.None });
    }

    public string InterfaceName { get; }

    public void Send(ReadOnlySpan<byte> frame) => _device.SendPacket(frame);

    public void Dispose() => _device.Close();
}
