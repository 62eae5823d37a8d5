using Microsoft.Extensions.DependencyInjection;

namespace VirtualIp.Hosting;

/// <summary>Configures VirtualIp after <c>services.AddVirtualIp()</c>: floating, static and dynamic VIPs, checks, tracking, platform.</summary>
public interface IVirtualIpBuilder
{
    /// <summary>The service collection.</summary>
    IServiceCollection Services { get; }
}

internal sealed class VirtualIpBuilder(IServiceCollection services) : IVirtualIpBuilder
{
    public IServiceCollection Services { get; } = services;
}
