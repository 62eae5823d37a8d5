using System.Net;

namespace VirtualIp.Binding;

/// <summary>
/// Reports address and link changes made by anyone (NetworkManager, systemd-networkd, an operator).
/// </summary>
public interface IAddressWatcher : IAsyncDisposable
{
    /// <summary>Raised for every address or link change, and with <see cref="AddressChangeKind.Resync"/> when events were lost.</summary>
    event EventHandler<AddressChangedEventArgs>? Changed;

    /// <summary>Starts watching. Idempotent.</summary>
    ValueTask StartAsync(CancellationToken cancellationToken = default);
}

/// <summary>What changed.</summary>
public enum AddressChangeKind
{
    /// <summary>An address appeared.</summary>
    AddressAdded,
    /// <summary>An address disappeared.</summary>
    AddressRemoved,
    /// <summary>A link came up (carrier and admin up).</summary>
    LinkUp,
    /// <summary>A link went down.</summary>
    LinkDown,
    /// <summary>Events were lost (socket overflow); the current state was listed again.</summary>
    Resync,
}

/// <summary>An address or link change.</summary>
public sealed class AddressChangedEventArgs : EventArgs
{
    /// <summary>Creates the event.</summary>
    public AddressChangedEventArgs(AddressChangeKind kind, int interfaceIndex, string? interfaceName, IPAddress? address, int prefixLength)
    {
        Kind = kind;
        InterfaceIndex = interfaceIndex;
        InterfaceName = interfaceName;
        Address = address;
        PrefixLength = prefixLength;
    }

    /// <summary>What changed.</summary>
    public AddressChangeKind Kind { get; }

    /// <summary>The interface index.</summary>
    public int InterfaceIndex { get; }

    /// <summary>The interface name, when known.</summary>
    public string? InterfaceName { get; }

    /// <summary>The address, for address events.</summary>
    public IPAddress? Address { get; }

    /// <summary>The prefix length, for address events.</summary>
    public int PrefixLength { get; }
}
