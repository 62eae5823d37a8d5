using System.Net.Sockets;

namespace VirtualIp.Health.Probes;

/// <summary>Maps probe exceptions to the static <see cref="ProbeReasons"/> strings.</summary>
internal static class ProbeErrors
{
    public static string ReasonFor(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case SocketException se:
                    return ReasonFor(se.SocketErrorCode);
                case TimeoutException:
                case OperationCanceledException:
                    return ProbeReasons.Timeout;
            }
        }

        return exception is HttpRequestException ? ProbeReasons.HttpError : ProbeReasons.Exception;
    }

    public static string ReasonFor(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => ProbeReasons.ConnectionRefused,
        SocketError.ConnectionReset or SocketError.ConnectionAborted => ProbeReasons.ConnectionReset,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.NetworkDown or SocketError.HostDown => ProbeReasons.Unreachable,
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => ProbeReasons.HostNotFound,
        SocketError.TimedOut => ProbeReasons.Timeout,
        _ => ProbeReasons.SocketError,
    };
}
