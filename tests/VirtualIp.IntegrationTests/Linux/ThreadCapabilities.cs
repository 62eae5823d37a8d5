using System.Runtime.InteropServices;

namespace VirtualIp.IntegrationTests.Linux;

/// <summary>
/// TEST-ONLY: drops capabilities from the calling thread's effective set (capabilities are per thread on Linux), so
/// EPERM paths can be shown in-process. Use on a dedicated thread that ends afterwards.
/// </summary>
internal static partial class ThreadCapabilities
{
    internal const int CAP_NET_ADMIN = 12;
    internal const int CAP_NET_RAW = 13;
    private const uint LinuxCapabilityVersion3 = 0x20080522;

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static unsafe partial int CapGet(CapHeader* header, CapData* data);

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static unsafe partial int CapSet(CapHeader* header, CapData* data);

    /// <summary>Removes <paramref name="capability"/> from this thread's effective set.</summary>
    public static unsafe void DropEffective(int capability)
    {
        var header = new CapHeader { Version = LinuxCapabilityVersion3, Pid = 0 };
        var data = stackalloc CapData[2];
        if (CapGet(&header, data) != 0)
        {
            throw new InvalidOperationException($"capget failed: errno {Marshal.GetLastPInvokeError()}");
        }

        data[capability / 32].Effective &= ~(1u << (capability % 32));
        header = new CapHeader { Version = LinuxCapabilityVersion3, Pid = 0 };
        if (CapSet(&header, data) != 0)
        {
            throw new InvalidOperationException($"capset failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
