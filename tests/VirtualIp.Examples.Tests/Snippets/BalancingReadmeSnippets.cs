using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VirtualIp.Balancing;
using VirtualIp.Scheduling;

namespace VirtualIp.Examples.Tests.Snippets;

/// <summary>The C# of src/VirtualIp.Balancing/README.md, compiled here and run by <see cref="SnippetTests"/>.</summary>
internal static class BalancingReadmeSnippets
{
    public static Backend? Schedulers(IPAddress clientAddress)
    {
        #region snippet
        var factory = new ServiceCollection().AddBackendSchedulers().BuildServiceProvider()
            .GetRequiredService<IBackendSchedulerFactory>();
        IBackendScheduler maglev = factory.Create(BackendSchedulerNames.Maglev);
        maglev.Update(new BackendSet([
            new Backend(IPEndPoint.Parse("198.51.100.10:80")),
            new Backend(IPEndPoint.Parse("198.51.100.11:80"), weight: 2),
        ]));

        Span<byte> key = stackalloc byte[16];
        clientAddress.TryWriteBytes(key, out int n);
        Backend? b = maglev.Pick(new PickContext(key[..n]));   // no allocation, no lock
        b?.IncrementInFlight(); /* ... */ b?.DecrementInFlight();
        #endregion
        return b;
    }

    public static void Forwarder(HostApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddVirtualIpForwarder(o =>
        {
            o.Listen = "192.0.2.100:80";
            o.Scheduler = BackendSchedulerNames.LeastConnections;
            o.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.10:8080" });
            o.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.11:8080", Weight = 2 });
            o.DeniedSources.Add("203.0.113.0/24");
        });
        #endregion
    }

    public static void ActiveHealth(HostApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddVirtualIpHealth();
        builder.Services.AddVirtualIpForwarder(o =>
        {
            o.Listen = "0.0.0.0:80";
            o.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.10:8080" });
            o.Backends.Add(new ForwarderBackendOptions { Address = "198.51.100.11:8080", HealthCheckAddress = "198.51.100.11:8081" });
            o.HealthCheck.Interval = TimeSpan.FromSeconds(1);
        });
        #endregion
    }
}
