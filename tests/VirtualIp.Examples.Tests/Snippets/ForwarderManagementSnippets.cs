using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VirtualIp.Balancing;

namespace VirtualIp.Examples.Tests.Snippets;

/// <summary>
/// The "Runtime management" C# of src/VirtualIp.Balancing/README.md, compiled here and run by
/// <see cref="ForwarderManagementSnippetTests"/> against a forwarder on loopback.
/// </summary>
internal static class ForwarderManagementSnippets
{
    public static void FromConfiguration(HostApplicationBuilder builder)
    {
        #region snippet
        // "Forwarder": { "Name": "web", "Listen": "0.0.0.0:80", "DrainTimeout": "10s",
        //                "Backends": [ "198.51.100.10:8080", { "Address": "198.51.100.11:8080", "Weight": 2 } ] }
        builder.Configuration.AddJsonFile("appsettings.json", optional: true, reloadOnChange: true);
        builder.Services.AddVirtualIpForwarder(builder.Configuration.GetSection("Forwarder"));
        #endregion
    }

    public static async Task<IReadOnlyList<BackendStatus>> ManageAsync(IServiceProvider services, string newBackend, string oldBackend)
    {
        #region snippet
        IForwarderControl web = services.GetRequiredService<IForwarderManager>().Get("web");
        foreach (BackendStatus b in web.GetBackends())   // immutable snapshots
        {
            Console.WriteLine($"{b.Name} weight={b.Weight} healthy={b.IsHealthy} connections={b.ActiveConnections}");
        }

        await web.AddBackendAsync(new ForwarderBackendOptions { Address = newBackend, Name = "new", Weight = 2 });
        web.SetWeight("new", 3);
        // No new connections for oldBackend at once; its open ones may finish for 10 s, the rest are closed then.
        bool allEndedOnTheirOwn = await web.RemoveBackendAsync(oldBackend, deadline: TimeSpan.FromSeconds(10));
        #endregion
        _ = allEndedOnTheirOwn;
        return web.GetBackends();
    }
}
