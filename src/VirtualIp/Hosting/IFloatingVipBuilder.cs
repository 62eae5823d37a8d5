using Microsoft.Extensions.DependencyInjection;

namespace VirtualIp.Hosting;

/// <summary>
/// Returned by <c>AddFloatingVip(...)</c>: the <see cref="IVirtualIpBuilder"/> plus the floating VIP's router name, so
/// extensions can attach things to that VIP (e.g. <c>WithForwarder(...)</c> of VirtualIp.Balancing).
/// </summary>
public interface IFloatingVipBuilder : IVirtualIpBuilder
{
    /// <summary>
    /// The router's name as set by the configure delegate of <c>AddFloatingVip</c>; null when it set none (the router is
    /// then named "vrrpN" when the options are built, which extensions cannot know in advance).
    /// </summary>
    string? RouterName { get; }
}

internal sealed class FloatingVipBuilder(IServiceCollection services, string? routerName) : IFloatingVipBuilder
{
    public IServiceCollection Services { get; } = services;

    public string? RouterName { get; } = routerName;
}
