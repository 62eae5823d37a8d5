using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Hosting;
using VirtualIp.Linux.Netlink;
using VirtualIp.Testing;

namespace VirtualIp.Linux.Tests;

/// <summary>UseLinux() wiring: which platform the container builds, with which options, replacing earlier ones.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UseLinuxTests
{
    private static ServiceProvider Build(Action<IVirtualIpBuilder> use, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        use(services.AddVirtualIp(_ => { }));
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData(false, "linux")]
    [InlineData(true, "linux-pcap")]
    public void UseLinux_registers_the_linux_platform_once(bool usePcap, string name)
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux");
        using var sp = Build(b => b.UseLinux(usePcap));
        var platform = Assert.IsType<LinuxPlatform>(sp.GetRequiredService<IVirtualIpPlatform>());
        Assert.Equal(name, platform.Name);
        Assert.IsType<NetlinkVipBinder>(platform.Binder);
        Assert.Same(platform, sp.GetRequiredService<IVirtualIpPlatform>()); // a singleton
        var watcher = Assert.IsType<NetlinkAddressWatcher>(platform.CreateAddressWatcher());
        Assert.NotNull(watcher.Metrics); // counts on the container's IMeterFactory (meter VirtualIp.Linux)
    }

    [Fact]
    public void UseLinux_replaces_a_platform_registered_before_it()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux");
        var services = new ServiceCollection();
        var builder = services.AddVirtualIp(_ => { });
        builder.UsePlatform(new VirtualIp.Simulation.SimulatedLan().AddNode("n1", System.Net.IPAddress.Parse("192.0.2.11"), VirtualIp.Addressing.MacAddress.Parse("02:00:00:00:00:01")));
        builder.UseLinux();
        Assert.Single(services, d => d.ServiceType == typeof(IVirtualIpPlatform));
        using var sp = services.BuildServiceProvider();
        Assert.IsType<LinuxPlatform>(sp.GetRequiredService<IVirtualIpPlatform>());
    }

    [Fact]
    public void UseLinux_takes_the_time_provider_from_the_container()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux");
        var time = new FakeTimeProvider();
        using var sp = Build(b => b.UseLinux(), time);
        var platform = Assert.IsType<LinuxPlatform>(sp.GetRequiredService<IVirtualIpPlatform>());
        var field = typeof(LinuxPlatform).GetField("_time", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
        Assert.NotNull(field);
        Assert.Same(time, field.GetValue(platform));
    }

    [Fact]
    public void UseLinux_on_a_null_builder_names_the_argument() =>
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => ((IVirtualIpBuilder)null!).UseLinux()).ParamName);
}
