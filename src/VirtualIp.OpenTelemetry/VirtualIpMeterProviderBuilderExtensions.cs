using VirtualIp.Diagnostics;

namespace OpenTelemetry.Metrics;

/// <summary>Subscribes an OpenTelemetry <see cref="MeterProviderBuilder"/> to VirtualIp's metrics.</summary>
public static class VirtualIpMeterProviderBuilderExtensions
{
    /// <summary>
    /// Adds every VirtualIp meter (<see cref="VirtualIpMeters.All"/>: the engine, the forwarder, the Linux platform).
    /// The instruments carry their own histogram bucket advice, so no view is needed; docs/metrics.md lists them.
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static MeterProviderBuilder AddVirtualIpInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter([.. VirtualIpMeters.All]);
    }
}
