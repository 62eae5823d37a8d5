using VirtualIp.Binding;
using VirtualIp.Linux.Interop;

namespace VirtualIp.Linux.Netlink;

/// <summary>Turns an errno (plus the kernel's extended-ack text) into a <see cref="VipBindingException"/> with a hint.</summary>
internal static class NetlinkErrors
{
    /// <summary>The hint for EPERM/EACCES.</summary>
    internal const string CapNetAdminHint = "needs CAP_NET_ADMIN (run as root or grant the capability)";

    /// <summary>The hint for a missing interface.</summary>
    internal static string NoSuchInterfaceHint(string? interfaceName) => $"interface '{interfaceName}' does not exist";

    /// <summary>Builds the exception for a failed operation.</summary>
    /// <param name="operation">What was attempted, e.g. "Adding 192.0.2.10/24 to 'eth0'".</param>
    /// <param name="interfaceName">The interface, for the ENODEV hint.</param>
    /// <param name="errno">The positive errno.</param>
    /// <param name="extAck">The kernel's extended-ack message, if any.</param>
    internal static VipBindingException Create(string operation, string? interfaceName, int errno, string? extAck)
    {
        bool hasText = !string.IsNullOrEmpty(extAck);
        string? hint = errno switch
        {
            Errno.EPERM => CapNetAdminHint,
            // The kernel also uses EACCES for "IPv6 is disabled on this device"; its text then says so.
            Errno.EACCES when !hasText => CapNetAdminHint,
            Errno.ENODEV => NoSuchInterfaceHint(interfaceName),
            _ => hasText ? "kernel says: " + extAck : null,
        };
        string message = $"{operation} failed with {Errno.Name(errno)}";
        if (hasText && errno is Errno.EPERM or Errno.ENODEV)
        {
            message += $" ({extAck})";
        }

        return new VipBindingException(message, errno, hint);
    }
}
