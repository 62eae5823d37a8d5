using VirtualIp.Testing;
using VirtualIp.Binding;
using VirtualIp.Linux.Interop;
using VirtualIp.Linux.Packet;

namespace VirtualIp.Linux.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class LinuxDataPlaneTests
{
    [Fact]
    public async Task Binder_ReportsAnUnknownInterfaceAsEnodev()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux");
        var binder = LinuxDataPlane.CreateBinder();
        try
        {
            // Read-only query of a name that cannot exist (16 bytes is over the kernel's limit).
            var ex = await Assert.ThrowsAsync<VipBindingException>(async () => await binder.GetInterfaceAsync("no-such-iface-xx", TestContext.Current.CancellationToken));
            Assert.Equal(Errno.ENODEV, ex.ErrorCode);
            Assert.Equal("interface 'no-such-iface-xx' does not exist", ex.Hint);
        }
        finally
        {
            ((IDisposable)binder).Dispose();
        }
    }

    [Fact]
    public async Task Watcher_CanBeDisposedWithoutStarting()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux");
        var watcher = LinuxDataPlane.CreateWatcher();
        await watcher.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await watcher.StartAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void FrameSender_UnknownInterface_IsATypedError()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux");
        var ex = Assert.Throws<FrameSenderException>(() => LinuxDataPlane.CreateFrameSender("nosuchif1"));
        Assert.Equal(Errno.ENODEV, ex.ErrorCode);
    }
}
