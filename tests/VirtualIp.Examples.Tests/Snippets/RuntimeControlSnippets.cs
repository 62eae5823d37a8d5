using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VirtualIp.Control;
using VirtualIp.Hosting;

namespace VirtualIp.Examples.Tests.Snippets;

/// <summary>The C# of samples/VirtualIp.Failover/README.md (runtime control from an application that hosts VirtualIp).</summary>
internal static class RuntimeControlSnippets
{
    public static VirtualRouterStatus Resign(IHost host)
    {
        #region snippet
        var control = host.Services.GetRequiredService<IVirtualIpRuntime>().GetControl("VI_51");
        control.Resign(new ControlRequest("alice", "kernel update"), comeBackAfter: TimeSpan.FromMinutes(10));
        VirtualRouterStatus status = control.GetStatus(); // Backup, overrides: Resign until now + 10 min
        #endregion
        return status;
    }
}
