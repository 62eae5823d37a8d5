namespace VirtualIp.Leasing;

/// <summary>The lease store could not be reached (or refused) within the allowed time; the operation did not happen.</summary>
public sealed class LeaseStoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LeaseStoreUnavailableException() : base("The lease store is unavailable.") { }

    /// <summary>Creates the exception.</summary>
    public LeaseStoreUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public LeaseStoreUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
