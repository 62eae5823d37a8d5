using System.Runtime.CompilerServices;

namespace VirtualIp.LoadBalancer;

/// <summary>
/// Runs socket continuations on the epoll threads (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>) unless the
/// environment says otherwise: the forwarder's pumps never block, and skipping the hop to the thread pool cut the CPU
/// per keep-alive request by ~40% (docs/benchmarks.md, issue #12). The runtime reads the variable when the first socket
/// is created, so it is set in a module initializer, before <c>Main</c>.
/// </summary>
internal static class SocketTuning
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

#pragma warning disable CA2255 // an application's own module initializer, the only place early enough
    [ModuleInitializer]
    internal static void UseInlineCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }
    }
#pragma warning restore CA2255
}
