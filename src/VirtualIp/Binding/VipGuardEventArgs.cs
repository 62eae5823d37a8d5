using VirtualIp.Addressing;

namespace VirtualIp.Binding;

/// <summary>A held VIP was deleted by someone else, or put back.</summary>
internal sealed class VipGuardEventArgs : EventArgs
{
    public VipGuardEventArgs(string interfaceName, VipAddress vip, Exception? error = null)
    {
        InterfaceName = interfaceName;
        Vip = vip;
        Error = error;
    }

    /// <summary>The interface.</summary>
    public string InterfaceName { get; }

    /// <summary>The VIP.</summary>
    public VipAddress Vip { get; }

    /// <summary>Why restoring failed, for <see cref="VipGuard.RestoreFailed"/>.</summary>
    public Exception? Error { get; }
}
