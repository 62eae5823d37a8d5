using System.Runtime.InteropServices;
using VirtualIp.Linux.Vrrp;
using VirtualIp.Linux.Interop;
using VirtualIp.Testing;

namespace VirtualIp.Linux.Tests.Vrrp;

/// <summary>Opening the transport without CAP_NET_RAW: capabilities are per thread, so one thread drops it and tries.</summary>
public sealed class VrrpPermissionTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Without_CAP_NET_RAW_socket_fails_with_EPERM_and_the_hint(bool ipv6)
    {
        TestEnvironment.RequireRootAndTools();
        Exception? caught = null;
        var thread = new Thread(() =>
        {
            try
            {
                DropEffectiveCapability(13 /* CAP_NET_RAW */);
                var t = LinuxVrrpTransport.Create(new LinuxVrrpTransportOptions
                {
                    InterfaceName = "lo",
                    IsIPv6 = ipv6,
                    SourceAddress = ipv6 ? System.Net.IPAddress.IPv6Loopback : System.Net.IPAddress.Loopback,
                });
                t.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                caught = ex;
            }
        });
        thread.Start();
        thread.Join();

        var vex = Assert.IsType<VrrpTransportException>(caught);
        Assert.Equal(Errno.EPERM, vex.ErrorCode);
        Assert.Contains("CAP_NET_RAW", vex.Message, StringComparison.Ordinal);
        Assert.Equal("lo", vex.InterfaceName);
    }

    [Fact]
    public unsafe void Msghdr_layout_matches_64_bit_linux()
    {
        TestEnvironment.Require(nint.Size == 8, "64-bit only");
        Assert.Equal(56, sizeof(LibC.MsgHdr));
        Assert.Equal(16, sizeof(LibC.IoVec));
        Assert.Equal(16, ControlMessageReader.HeaderSize);
    }

    private static unsafe void DropEffectiveCapability(int capability)
    {
        var header = stackalloc uint[2] { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 /* this thread */ };
        var data = stackalloc uint[6]; // 2 × { effective, permitted, inheritable }
        if (CapGet(header, data) != 0)
        {
            throw new InvalidOperationException($"capget errno {Marshal.GetLastPInvokeError()}");
        }

        data[(capability / 32) * 3] &= ~(1u << (capability % 32));
        if (CapSet(header, data) != 0)
        {
            throw new InvalidOperationException($"capset errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static extern unsafe int CapGet(uint* header, uint* data);

    [DllImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static extern unsafe int CapSet(uint* header, uint* data);
}
