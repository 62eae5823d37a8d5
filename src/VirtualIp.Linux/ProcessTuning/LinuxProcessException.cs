namespace VirtualIp.Linux.ProcessTuning;

/// <summary>
/// The kernel refused a process-level setting of <see cref="LinuxProcessOptions"/> (real-time scheduling or memory
/// locking). Carries the errno and a hint that says what to do (for example "needs CAP_SYS_NICE").
/// </summary>
public sealed class LinuxProcessException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="errorCode">The errno, or 0 when the error did not come from the OS.</param>
    /// <param name="hint">What to do about it.</param>
    /// <param name="innerException">The original exception, if any.</param>
    public LinuxProcessException(string message, int errorCode, string? hint = null, Exception? innerException = null)
        : base(Format(message, errorCode, hint), innerException)
    {
        ErrorCode = errorCode;
        Hint = hint;
    }

    /// <summary>Creates the exception.</summary>
    public LinuxProcessException() : this("process setting refused", 0) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public LinuxProcessException(string message) : this(message, 0) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The original exception.</param>
    public LinuxProcessException(string message, Exception innerException) : this(message, 0, null, innerException) { }

    /// <summary>The errno (e.g. 1 = EPERM); 0 when the error did not come from the OS.</summary>
    public int ErrorCode { get; }

    /// <summary>What to do about it, e.g. "needs CAP_SYS_NICE".</summary>
    public string? Hint { get; }

    private static string Format(string message, int errorCode, string? hint)
    {
        var text = errorCode == 0 ? message : $"{message} ({Interop.Errno.Name(errorCode)}, errno {errorCode})";
        return hint is null ? text : $"{text}: {hint}";
    }
}
