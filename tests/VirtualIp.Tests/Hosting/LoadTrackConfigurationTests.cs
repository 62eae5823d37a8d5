using Microsoft.Extensions.Configuration;
using VirtualIp.Health.Load;
using VirtualIp.Hosting;

namespace VirtualIp.Tests.Hosting;

/// <summary><c>VirtualIp:Routers:N:TrackLoad:M</c>: read onto <see cref="VirtualIpOptions.TrackLoad"/> with the router's name; problems named by key.</summary>
public sealed class LoadTrackConfigurationTests
{
    private static Dictionary<string, string?> Valid() => new()
    {
        ["VirtualIp:Routers:0:Name"] = "web",
        ["VirtualIp:Routers:0:Interface"] = "eth0",
        ["VirtualIp:Routers:0:VirtualRouterId"] = "51",
        ["VirtualIp:Routers:0:Vips:0"] = "192.0.2.100/24",
        ["VirtualIp:Routers:0:TrackLoad:0:Source"] = "CpuPressure",
        ["VirtualIp:Routers:0:TrackLoad:0:High"] = "40",
        ["VirtualIp:Routers:0:TrackLoad:0:Low"] = "20",
        ["VirtualIp:Routers:0:TrackLoad:1:Source"] = "Connections",
        ["VirtualIp:Routers:0:TrackLoad:1:Forwarder"] = "web-443",
        ["VirtualIp:Routers:0:TrackLoad:1:High"] = "5000",
        ["VirtualIp:Routers:0:TrackLoad:1:Low"] = "3000",
        ["VirtualIp:Routers:0:TrackLoad:1:Weight"] = "-30",
        ["VirtualIp:Routers:0:TrackLoad:1:HoldTime"] = "2m",
        ["VirtualIp:Routers:0:TrackLoad:1:SampleInterval"] = "500ms",
        ["VirtualIp:Routers:0:TrackLoad:1:Samples"] = "4",
    };

    private static VirtualIpOptions Read(Dictionary<string, string?> config)
    {
        var options = new VirtualIpOptions();
        VirtualIpConfigurationReader.Read(new ConfigurationBuilder().AddInMemoryCollection(config).Build().GetSection("VirtualIp"), options);
        return options;
    }

    [Fact]
    public void Tracks_are_read_with_defaults_and_the_router_name_and_snapshot_immutably()
    {
        var o = Read(Valid());
        Assert.Empty(o.ReadErrors);
        Assert.Empty(VirtualIpOptionsValidator.Check(o));
        var cpu = o.TrackLoad[0];
        Assert.Equal(("web", LoadSource.CpuPressure, LoadScope.System, 40.0, 20.0, -50, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(2), 3),
            (cpu.Router, cpu.Source, cpu.Scope, cpu.High, cpu.Low, cpu.Weight, cpu.HoldTime, cpu.SampleInterval, cpu.Samples));
        var snapshot = VirtualIpConfiguration.FromValidated(o).LoadTracks;
        Assert.Equal(new LoadTrack("web", LoadSource.Connections, LoadScope.System, "web-443", 5000, 3000, -30, TimeSpan.FromMinutes(2),
            TimeSpan.FromMilliseconds(500), 4), snapshot[1]);
        Assert.Equal("load Connections/web-443", snapshot[1].Name);
        o.TrackLoad[1].High = 1; // the snapshot does not follow the options
        Assert.Equal(5000, snapshot[1].High);
    }

    [Theory]
    [InlineData("VirtualIp:Routers:0:TrackLoad:0:Source", "Memory", "VirtualIp:Routers:0:TrackLoad:0:Source = 'Memory' is not one of CpuPressure, LoadAverage, Connections")]
    [InlineData("VirtualIp:Routers:0:TrackLoad:0:Scope", "Container", "VirtualIp:Routers:0:TrackLoad:0:Scope = 'Container' is not one of System, Process, Cgroup")]
    [InlineData("VirtualIp:Routers:0:TrackLoad:0:High", "lots", "VirtualIp:Routers:0:TrackLoad:0:High = 'lots' is not a number")]
    [InlineData("VirtualIp:Routers:0:TrackLoad:0:High", "10", "VirtualIp:Routers:0:TrackLoad:0:High = 10 must be greater than Low (20)")]
    [InlineData("VirtualIp:Routers:0:TrackLoad:0:Low", "-1", "VirtualIp:Routers:0:TrackLoad:0:Low = -1 must be 0 or more")]
    [InlineData("VirtualIp:Routers:0:TrackLoad:0:Weight", "0", "VirtualIp:Routers:0:TrackLoad:0:Weight = 0 must be -253 to 253 and not 0")]
    [InlineData("VirtualIp:Routers:0:TrackLoad:0:HoldTime", "2h", "VirtualIp:Routers:0:TrackLoad:0:HoldTime = 02:00:00 is out of range 0..1h")]
    [InlineData("VirtualIp:Routers:0:TrackLoad:1:SampleInterval", "10ms", "VirtualIp:Routers:0:TrackLoad:1:SampleInterval = 00:00:00.0100000 is out of range 100ms..10m")]
    [InlineData("VirtualIp:Routers:0:TrackLoad:1:Samples", "0", "VirtualIp:Routers:0:TrackLoad:1:Samples = 0 is out of range 1..100")]
    [InlineData("VirtualIp:Routers:0:TrackLoad:1:Forwarder", "", "VirtualIp:Routers:0:TrackLoad:1:Forwarder is required with Source Connections")]
    public void Invalid_values_are_reported_with_their_key(string key, string value, string expected)
    {
        var config = Valid();
        config[key] = value;
        var o = Read(config);
        var errors = o.ReadErrors.Concat(VirtualIpOptionsValidator.Check(o)).ToList();
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_track_in_code_must_name_a_configured_router()
    {
        var o = Read(Valid());
        o.TrackLoad.Add(new LoadTrackOptions { Router = "db", High = 2, Low = 1 });
        Assert.Contains("VirtualIp:TrackLoad:2:Router = 'db' is not a configured router.", VirtualIpOptionsValidator.Check(o));
    }
}
