namespace VirtualIp.Linux.Vrrp;

/// <summary>
/// The operating system refused to open or configure the VRRP raw socket. Carries the errno, the interface
/// and a hint that says what to do (for example "needs CAP_NET_RAW").
/// </summary>
public sealed class VrrpTransportException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="errorCode">The errno, or 0 when the error did not come from the OS.</param>
    /// <param name="interfaceName">The interface the transport was for.</param>
    /// <param name="hint">What to do about it.</param>
    /// <param name="innerException">The original exception, if any.</param>
    public VrrpTransportException(string message, int errorCode, string? interfaceName, string? hint = null, Exception? innerException = null)
        : base(Format(message, errorCode, hint), innerException)
    {
        ErrorCode = errorCode;
        InterfaceName = interfaceName;
        Hint = hint;
    }

    /// <summary>Creates the exception.</summary>
    public VrrpTransportException() : this("VRRP transport failed", 0, null) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public VrrpTransportException(string message) : this(message, 0, null) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The original exception.</param>
    public VrrpTransportException(string message, Exception innerException) : this(message, 0, null, null, innerException) { }

    /// <summary>The errno (e.g. 1 = EPERM, 19 = ENODEV); 0 when the error did not come from the OS.</summary>
    public int ErrorCode { get; }

    /// <summary>The interface the transport was opened on, when known.</summary>
    public string? InterfaceName { get; }

    /// <summary>What to do about it, e.g. "needs CAP_NET_RAW".</summary>
    public string? Hint { get; }

    private static string Format(string message, int errorCode, string? hint)
    {
        var text = errorCode == 0 ? message : $"{message} (errno {errorCode})";
        return hint is null ? text : $"{text}: {hint}";
    }
}
