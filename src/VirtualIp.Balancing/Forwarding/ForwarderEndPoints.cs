using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Balancing;

/// <summary>Parsing and resolution of "ADDR:PORT" / "HOST:PORT" texts.</summary>
internal static class ForwarderEndPoints
{
    public static bool TryParseListen(string? text, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (string.IsNullOrWhiteSpace(text) || !IPEndPoint.TryParse(text.Trim(), out var ep) || ep is null)
        {
            return false;
        }

        // IPEndPoint.TryParse accepts a bare address with port 0; require an explicit port.
        if (!text.TrimEnd().Contains(':', StringComparison.Ordinal) || (ep.AddressFamily == AddressFamily.InterNetworkV6 && !text.Contains("]:", StringComparison.Ordinal)))
        {
            return false;
        }

        endPoint = ep;
        return true;
    }

    public static bool TrySplitHostPort(string? text, out string host, out int port)
    {
        host = "";
        port = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            return false; // IPv6 needs brackets
        }

        return host.Length > 0;
    }

    public static async Task<IPEndPoint> ResolveAsync(string text, CancellationToken cancellationToken)
    {
        if (!TrySplitHostPort(text, out var host, out int port))
        {
            throw new FormatException($"Backend address '{text}' is not HOST:PORT.");
        }

        if (IPAddress.TryParse(host, out var ip))
        {
            return new IPEndPoint(ip, port);
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
        return new IPEndPoint(chosen, port);
    }
}
