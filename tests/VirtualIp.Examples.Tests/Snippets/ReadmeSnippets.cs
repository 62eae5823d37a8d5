using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using VirtualIp.Events;
using VirtualIp.Health;

namespace VirtualIp.Examples.Tests.Snippets;

/// <summary>The C# of README.md, compiled here; <see cref="SnippetTests"/> checks the README shows exactly this text.</summary>
internal static class ReadmeSnippets
{
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static async Task InYourApplication(string[] args)
    {
        #region snippet
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp"))    // the JSON below
            .UseLinux()                                                    // rtnetlink + AF_PACKET + raw VRRP sockets
            .AddHealthCheck("app", "http://127.0.0.1:8080/health", c => c.Interval = TimeSpan.FromSeconds(1))
            .AddHealthCheck("db", HealthProbes.FromHealthCheck(new DbHealthCheck()))   // any IHealthCheck you have
            .TrackCheck(router: "web", check: "app", weight: 0)            // app check fails => Fault => VIPs move
            .TrackCheck(router: "web", check: "db", weight: -60);          // db check fails => priority 150 - 60 = 90
        var app = builder.Build();
        app.Services.GetRequiredService<IVirtualIpEvents>().Published += (_, e) => Console.WriteLine(e);
        await app.RunAsync();
        #endregion
    }

    /// <summary>Stands for any <see cref="IHealthCheck"/> an application already has.</summary>
    internal sealed class DbHealthCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(HealthCheckResult.Healthy());
    }
}
