// An ASP.NET Core application that holds a floating VIP:
//   /              the routers and their state (JSON)
//   /health        liveness: Healthy while every router is Backup or Master, Unhealthy in Fault
//   /health/ready  readiness: Healthy only on the master (active/passive: the load balancer or orchestrator sends
//                  traffic to the node holding the VIP)
//   /metrics       Prometheus text from OpenTelemetry: virtualip_vrrp_state{virtualip_vrrp_state="master"} and the rest
//
//   dotnet run --project samples/VirtualIp.AspNetCore                       simulated platform (appsettings.json)
//   sudo dotnet run --project samples/VirtualIp.AspNetCore -- --Sample:Platform=linux --VirtualIp:Routers:0:Interface=eth0
using System.Net;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using VirtualIp.Addressing;
using VirtualIp.Hosting;
using VirtualIp.Simulation;

var builder = WebApplication.CreateBuilder(args);
var vip = builder.Services.AddVirtualIp(builder.Configuration.GetSection("VirtualIp"));
var platform = builder.Configuration["Sample:Platform"] ?? "simulated";
if (string.Equals(platform, "linux", StringComparison.OrdinalIgnoreCase) && OperatingSystem.IsLinux())
{
    vip.UseLinux();
}
else if (string.Equals(platform, "simulated", StringComparison.OrdinalIgnoreCase))
{
    // One node on an in-memory LAN: no privileges needed, it elects itself master after Master_Down_Interval.
    vip.UsePlatform(new SimulatedLan().AddNode("sample", IPAddress.Parse("192.0.2.11"), MacAddress.Parse("02:00:00:00:00:01")));
}
else
{
    throw new InvalidOperationException($"Sample:Platform = '{platform}' is not 'simulated' or 'linux' (linux needs Linux).");
}

builder.Services.AddHealthChecks()
    .AddVirtualIp()
    .AddVirtualIp("virtualip-master", o =>
    {
        o.RequireMaster = true;
        o.Tags.Add("ready");
    });
builder.Services.AddOpenTelemetry()
    .WithMetrics(m => m
        .AddVirtualIpInstrumentation()
        .AddPrometheusExporter());

var app = builder.Build();
app.MapGet("/", (IVirtualIpRuntime runtime) => runtime.Routers.Select(r => new RouterView(r.Name, r.State.ToString(), r.Priority)));
app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = r => !r.Tags.Contains("ready") });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains("ready") });
app.MapPrometheusScrapingEndpoint();                                     // GET /metrics
await app.RunAsync();

/// <summary>One router in the <c>/</c> listing.</summary>
internal sealed record RouterView(string Name, string State, int Priority);

/// <summary>The entry point, public for <c>WebApplicationFactory&lt;Program&gt;</c> in the tests.</summary>
public partial class Program;
