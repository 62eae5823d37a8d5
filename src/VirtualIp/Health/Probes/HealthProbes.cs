using System.Diagnostics.CodeAnalysis;
using System.Net;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using VirtualIp.Health.Probes;

namespace VirtualIp.Health;

/// <summary>
/// Creates the built-in probes, and parses check URIs (<c>tcp://HOST:PORT</c>, <c>http://URL</c>, <c>https://URL</c>,
/// <c>icmp://HOST</c>, <c>exec:COMMAND</c>) as used on the failover host's command line.
/// </summary>
public static class HealthProbes
{
    private static readonly TimeSpan s_defaultIcmpTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Healthy when a TCP connection to <paramref name="host"/>:<paramref name="port"/> completes.</summary>
    /// <param name="host">An IP address or a host name (resolved on every probe).</param>
    /// <param name="port">1 to 65535.</param>
    public static IHealthProbe Tcp(string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        if (port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "The port must be between 1 and 65535.");
        }

        return new TcpProbe(IPAddress.TryParse(host.Trim('[', ']'), out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port));
    }

    /// <summary>Healthy when a TCP connection to <paramref name="endPoint"/> completes.</summary>
    /// <param name="endPoint">An <see cref="IPEndPoint"/> or <see cref="DnsEndPoint"/>.</param>
    public static IHealthProbe Tcp(EndPoint endPoint) => new TcpProbe(endPoint);

    /// <summary>
    /// Healthy when a GET of <paramref name="uri"/> returns a status in [<paramref name="minStatus"/>, <paramref name="maxStatus"/>]
    /// and, when <paramref name="bodyContains"/> is set, the first <paramref name="maxBodyBytes"/> bytes of the body contain it.
    /// Redirects are not followed. All HTTP probes share one connection pool.
    /// </summary>
    /// <param name="uri">An absolute http:// or https:// URL.</param>
    /// <param name="minStatus">Lowest healthy status (default 200).</param>
    /// <param name="maxStatus">Highest healthy status (default 399).</param>
    /// <param name="bodyContains">Text (UTF-8) the body must contain, or null.</param>
    /// <param name="maxBodyBytes">At most this many body bytes are read (default 4096).</param>
    /// <param name="allowUntrustedCertificate">Accept any server certificate (self-signed health endpoints).</param>
    public static IHealthProbe Http(Uri uri, int minStatus = 200, int maxStatus = 399, string? bodyContains = null, int maxBodyBytes = 4096,
        bool allowUntrustedCertificate = false) =>
        new HttpProbe(uri, new HttpProbeSettings
        {
            MinStatus = minStatus,
            MaxStatus = maxStatus,
            BodyContains = bodyContains,
            MaxBodyBytes = maxBodyBytes,
            AllowUntrustedCertificate = allowUntrustedCertificate,
        });

    /// <summary>Healthy when <paramref name="host"/> answers an ICMP echo request.</summary>
    /// <param name="host">An IP address or host name.</param>
    /// <param name="timeout">How long to wait for the reply (default 1 s; the check timeout also applies).</param>
    public static IHealthProbe Icmp(string host, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        var t = timeout ?? s_defaultIcmpTimeout;
        if (t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "The timeout must be positive.");
        }

        return new IcmpProbe(host.Trim('[', ']'), t);
    }

    /// <summary>
    /// Runs <paramref name="command"/> with /bin/sh -c (cmd /c on Windows), output discarded; exit code 0 is healthy.
    /// When the check times out the whole process tree is killed.
    /// </summary>
    /// <param name="command">The shell command.</param>
    public static IHealthProbe Command(string command)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        return new CommandProbe(command);
    }

    /// <summary>A probe backed by a delegate.</summary>
    /// <param name="probe">Called once per interval with the timeout token.</param>
    public static IHealthProbe FromDelegate(Func<CancellationToken, ValueTask<ProbeResult>> probe) => new DelegateProbe(probe);

    /// <summary>A probe backed by a synchronous predicate (true = healthy).</summary>
    /// <param name="isHealthy">Called once per interval.</param>
    public static IHealthProbe FromDelegate(Func<bool> isHealthy)
    {
        ArgumentNullException.ThrowIfNull(isHealthy);
        return new DelegateProbe(_ => new ValueTask<ProbeResult>(isHealthy() ? ProbeResult.Success : ProbeResult.Failure(ProbeReasons.Failed)));
    }

    /// <summary>Lets any ASP.NET Core <see cref="IHealthCheck"/> drive failover.</summary>
    /// <param name="check">The health check.</param>
    /// <param name="name">The registration name passed to the check in its context.</param>
    /// <param name="degradedIsHealthy">How <see cref="HealthStatus.Degraded"/> counts (default healthy).</param>
    public static IHealthProbe FromHealthCheck(IHealthCheck check, string name = "virtualip", bool degradedIsHealthy = true) =>
        new HealthCheckProbe(check, name, degradedIsHealthy);

    /// <summary>Parses a check URI: <c>tcp://HOST:PORT</c>, <c>http://URL</c>, <c>https://URL</c>, <c>icmp://HOST</c> or <c>exec:COMMAND</c>.</summary>
    /// <param name="text">The text.</param>
    /// <exception cref="FormatException">The text is not a valid check URI; the message names it and says why.</exception>
    public static IHealthProbe Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var probe, out var error) ? probe : throw new FormatException(error);
    }

    /// <summary>Parses a check URI without throwing.</summary>
    /// <param name="text">The text.</param>
    /// <param name="probe">The probe, when valid.</param>
    /// <returns>False when the text is not a valid check URI.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out IHealthProbe? probe) => TryParse(text, out probe, out _);

    internal static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out IHealthProbe? probe, [NotNullWhen(false)] out string? error)
    {
        probe = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "Invalid health check '': expected tcp://HOST:PORT, http(s)://URL, icmp://HOST or exec:COMMAND.";
            return false;
        }

        var t = text.Trim();
        if (t.StartsWith("exec:", StringComparison.OrdinalIgnoreCase))
        {
            var command = t[5..].Trim();
            if (command.Length == 0)
            {
                return Fail(text, "exec: needs a command, e.g. exec:/usr/local/bin/check.sh", out error);
            }

            probe = new CommandProbe(command);
            error = null;
            return true;
        }

        var schemeEnd = t.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return Fail(text, "expected tcp://HOST:PORT, http(s)://URL, icmp://HOST or exec:COMMAND", out error);
        }

        var scheme = t[..schemeEnd].ToUpperInvariant();
        switch (scheme)
        {
            case "HTTP":
            case "HTTPS":
                if (!Uri.TryCreate(t, UriKind.Absolute, out var url) || url.Host.Length == 0)
                {
                    return Fail(text, "not a valid URL", out error);
                }

                probe = new HttpProbe(url);
                error = null;
                return true;

            case "TCP":
                if (!TrySplitAuthority(t[(schemeEnd + 3)..], requirePort: true, out var host, out var port, out var why))
                {
                    return Fail(text, why, out error);
                }

                probe = Tcp(host, port);
                error = null;
                return true;

            case "ICMP":
                if (!TrySplitAuthority(t[(schemeEnd + 3)..], requirePort: false, out host, out _, out why))
                {
                    return Fail(text, why, out error);
                }

                probe = Icmp(host);
                error = null;
                return true;

            default:
                return Fail(text, $"unknown scheme '{t[..schemeEnd]}' (expected tcp, http, https, icmp or exec)", out error);
        }
    }

    private static bool Fail(string text, string why, out string error)
    {
        error = $"Invalid health check '{text}': {why}.";
        return false;
    }

    private static bool TrySplitAuthority(string authority, bool requirePort, out string host, out int port, out string why)
    {
        host = "";
        port = 0;
        authority = authority.TrimEnd('/');
        if (authority.Length == 0 || authority.Contains('/', StringComparison.Ordinal) || authority.Contains('@', StringComparison.Ordinal))
        {
            why = requirePort ? "expected tcp://HOST:PORT" : "expected icmp://HOST";
            return false;
        }

        string? portText = null;
        if (authority[0] == '[')
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                why = "unterminated IPv6 literal";
                return false;
            }

            host = authority[1..close];
            var rest = authority[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    why = "unexpected text after the IPv6 literal";
                    return false;
                }

                portText = rest[1..];
            }

            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                why = $"'{host}' is not an IPv6 address";
                return false;
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            if (colon >= 0 && authority.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                // A bare IPv6 address: only valid without a port.
                if (requirePort)
                {
                    why = "IPv6 addresses need brackets: tcp://[ADDRESS]:PORT";
                    return false;
                }

                host = authority;
            }
            else if (colon >= 0)
            {
                host = authority[..colon];
                portText = authority[(colon + 1)..];
            }
            else
            {
                host = authority;
            }

            if (host.Length == 0 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
            {
                why = $"'{host}' is not a valid host";
                return false;
            }
        }

        if (portText is not null)
        {
            if (!requirePort)
            {
                why = "icmp:// takes no port";
                return false;
            }

            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                why = $"port '{portText}' is not between 1 and 65535";
                return false;
            }
        }
        else if (requirePort)
        {
            why = "missing port: expected tcp://HOST:PORT";
            return false;
        }

        why = "";
        return true;
    }
}
