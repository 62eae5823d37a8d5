using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualIp.Etcd;
using VirtualIp.Hosting;
using VirtualIp.Leasing;
using VirtualIp.Pools;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary><c>UseEtcd(...)</c>: etcd as the lease store of pools configured with <c>Store = etcd</c>.</summary>
public static class EtcdVirtualIpBuilderExtensions
{
    /// <summary>
    /// Registers the etcd lease store, configured from <paramref name="configuration"/> (the "VirtualIp:Etcd" section:
    /// Endpoints:N, Prefix, LeaseTtl, RequestTimeout, OperationTimeout, FenceMargin, HistoryRetention, Username, Password,
    /// CaCertificatePath, ClientCertificatePath, ClientKeyPath) and/or <paramref name="configure"/>; validated at start with each bad key named.
    /// </summary>
    public static IVirtualIpBuilder UseEtcd(this IVirtualIpBuilder builder, IConfiguration? configuration = null, Action<EtcdOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var path = configuration is IConfigurationSection s ? s.Path : $"{VirtualIpOptions.SectionName}:{EtcdOptions.SectionName}";
        var errors = new List<string>();
        var options = builder.Services.AddOptions<EtcdOptions>();
        if (configuration is not null)
        {
            options.Configure(o => EtcdConfigurationReader.Read(configuration, o, path, errors));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EtcdOptions>>(new EtcdOptionsValidator(path, errors)));
        options.ValidateOnStart();
        builder.Services.TryAddKeyedSingleton<ILeaseStore>(LeaseStoreOptions.Etcd, static (sp, _) => new EtcdLeaseStore(
            sp.GetRequiredService<IOptions<EtcdOptions>>().Value,
            sp.GetRequiredService<IOptions<VirtualIpOptions>>().Value.Leases.NodeId,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("VirtualIp.Etcd")));
        return builder;
    }

    /// <summary>
    /// Adds a floating VIP owned by whichever node holds its etcd election key (for cloud VPCs and routed segments where VRRP
    /// cannot run). Needs <see cref="UseEtcd"/>. The owner binds and announces <paramref name="vip"/> on <paramref name="interfaceName"/>.
    /// </summary>
    public static IVirtualIpBuilder AddLeaseElectedVip(this IVirtualIpBuilder builder, string name, string interfaceName, string vip, Action<LeaseElectedVipOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        var o = new LeaseElectedVipOptions { Name = name, Interface = interfaceName, Vip = VirtualIp.Addressing.VipAddress.Parse(vip) };
        configure?.Invoke(o);
        builder.Services.AddSingleton(o);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, LeaseElectedVipService>());
        return builder;
    }
}

internal sealed class EtcdOptionsValidator(string path, List<string> readErrors) : IValidateOptions<EtcdOptions>
{
    public ValidateOptionsResult Validate(string? name, EtcdOptions options)
    {
        var all = readErrors.Concat(options.Validate(path)).ToList();
        return all.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(all);
    }
}
