using System.Net.Sockets;

namespace VirtualIp.Balancing.Interop;

/// <summary>
/// A Linux system call of the epoll engine failed: the call, errno (named through <see cref="Errno"/> and
/// <see cref="SocketError"/>) and a hint at the usual cause. A <see cref="SocketException"/>, so callers that handle
/// socket errors handle these too.
/// </summary>
internal sealed class LinuxErrorException : SocketException
{
    public LinuxErrorException(string call, int errno, string hint)
        : base((int)Interop.Errno.ToSocketError(errno), $"{call} failed: errno {errno} ({Interop.Errno.ToSocketError(errno)}). {hint}")
    {
        Call = call;
        Errno = errno;
        Hint = hint;
    }

    /// <summary>The system call, e.g. "epoll_create1".</summary>
    public string Call { get; }

    /// <summary>errno of the failure.</summary>
    public int Errno { get; }

    /// <summary>What usually causes it and what to do.</summary>
    public string Hint { get; }

    /// <summary>Throws for the calling thread's last P/Invoke error.</summary>
    public static LinuxErrorException Last(string call, string hint) =>
        new(call, System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), hint);
}
