using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace VirtualIp.Etcd.Tests;

public sealed class EtcdOptionsTests
{
    [Theory]
    [InlineData("Endpoints:0", "ftp://x:1", "VirtualIp:Etcd:Endpoints:0 = 'ftp://x:1' is not an http(s)://HOST:PORT URL")]
    [InlineData("LeaseTtl", "1500ms", "VirtualIp:Etcd:LeaseTtl = 00:00:01.5000000 must be whole seconds, at least 2s")]
    [InlineData("LeaseTtl", "soon", "VirtualIp:Etcd:LeaseTtl = 'soon' is not a duration")]
    [InlineData("Prefix", "/no-slash", "VirtualIp:Etcd:Prefix = '/no-slash' must end with '/'")]
    [InlineData("Username", "root", "VirtualIp:Etcd:Username and VirtualIp:Etcd:Password go together")]
    [InlineData("CaCertificatePath", "/nonexistent/ca.pem", "VirtualIp:Etcd:CaCertificatePath = '/nonexistent/ca.pem' does not exist")]
    public async Task Bad_values_stop_the_host_at_start_with_the_key_named(string key, string value, string expected)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VirtualIp:Etcd:Endpoints:0"] = "http://127.0.0.1:2379",
            [$"VirtualIp:Etcd:{key}"] = value,
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddVirtualIp(config.GetSection("VirtualIp")).UseEtcd(config.GetSection("VirtualIp:Etcd"));
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Endpoints_may_be_a_comma_separated_list()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Etcd:Endpoints"] = "http://10.0.0.1:2379, http://10.0.0.2:2379",
            ["Etcd:LeaseTtl"] = "2s",
        }).Build();
        var o = new EtcdOptions();
        var errors = new List<string>();
        EtcdConfigurationReader.Read(config.GetSection("Etcd"), o, "Etcd", errors);
        Assert.Empty(errors);
        Assert.Equal(["http://10.0.0.1:2379", "http://10.0.0.2:2379"], o.Endpoints);
        Assert.Equal(TimeSpan.FromSeconds(2), o.LeaseTtl);
        Assert.Empty(o.Validate("Etcd"));
    }

    [Fact]
    public async Task A_pool_on_etcd_without_UseEtcd_is_named_at_start()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VirtualIp:Pools:0:Name"] = "svc",
            ["VirtualIp:Pools:0:Ranges:0"] = "192.0.2.0/28",
            ["VirtualIp:Pools:0:Store"] = "etcd",
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddVirtualIp(config.GetSection("VirtualIp"));
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("VirtualIp:Pools:0:Store = 'etcd' has no lease store registered", ex.Message);
    }
}
