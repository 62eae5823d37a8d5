using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace VirtualIp.Hosting;

/// <summary>An options monitor over a fixed value (for components built outside DI, e.g. the lease-elected VIP service).</summary>
internal sealed class StaticOptionsMonitor<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
