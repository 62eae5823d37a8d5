namespace VirtualIp.Binding;

/// <summary>
/// The operating system refused a binding operation. Carries the OS error code (errno on Linux,
/// Win32 error on Windows) and a hint that says what to do.
/// </summary>
public sealed class VipBindingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VipBindingException(string message, int errorCode, string? hint = null, Exception? innerException = null)
        : base(hint is null ? $"{message} (error {errorCode})" : $"{message} (error {errorCode}): {hint}", innerException)
    {
        ErrorCode = errorCode;
        Hint = hint;
    }

    /// <summary>Creates the exception.</summary>
    public VipBindingException() : this("Binding failed", 0) { }

    /// <summary>Creates the exception.</summary>
    public VipBindingException(string message) : this(message, 0) { }

    /// <summary>Creates the exception.</summary>
    public VipBindingException(string message, Exception innerException) : this(message, 0, null, innerException) { }

    /// <summary>errno (Linux) or Win32 error code (Windows); 0 when not from the OS.</summary>
    public int ErrorCode { get; }

    /// <summary>What to do about it, e.g. "needs CAP_NET_ADMIN".</summary>
    public string? Hint { get; }
}
