using System.Diagnostics.CodeAnalysis;

namespace VirtualIp.Balancing;

/// <summary>
/// The running forwarders of the host, by <see cref="ForwarderOptions.Name"/> (resolve it from DI; registered by
/// <c>AddVirtualIpForwarder</c>). A forwarder is listed from its start until its stop.
/// </summary>
public interface IForwarderManager
{
    /// <summary>The names of the forwarders running now.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>The control of the running forwarder <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> naming it otherwise.</summary>
    IForwarderControl Get(string name);

    /// <summary>The control of the running forwarder <paramref name="name"/>, if it runs.</summary>
    bool TryGet(string name, [NotNullWhen(true)] out IForwarderControl? control);
}
