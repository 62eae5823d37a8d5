namespace VirtualIp.Linux.Packet;

/// <summary>
/// A frame sender could not be opened or could not transmit. Carries the OS error code (errno) and a hint such as
/// "needs CAP_NET_RAW".
/// </summary>
public sealed class FrameSenderException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FrameSenderException(string message, int errorCode, string? hint = null, Exception? innerException = null)
        : base(hint is null ? $"{message} (error {errorCode})" : $"{message} (error {errorCode}): {hint}", innerException)
    {
        ErrorCode = errorCode;
        Hint = hint;
    }

    /// <summary>Creates the exception.</summary>
    public FrameSenderException() : this("Frame sender failed", 0) { }

    /// <summary>Creates the exception.</summary>
    public FrameSenderException(string message) : this(message, 0) { }

    /// <summary>Creates the exception.</summary>
    public FrameSenderException(string message, Exception innerException) : this(message, 0, null, innerException) { }

    /// <summary>errno, or 0 when the failure did not come from the OS.</summary>
    public int ErrorCode { get; }

    /// <summary>What to do about it.</summary>
    public string? Hint { get; }
}
