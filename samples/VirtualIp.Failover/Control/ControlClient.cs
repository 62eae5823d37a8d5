using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using VirtualIp.Hosting;

namespace VirtualIp.Failover.Control;

/// <summary>
/// <c>VirtualIp.Failover ctl ...</c>: sends one request to a running daemon's control socket and prints the JSON answer.
/// Exit codes: 0 done, 1 the daemon refused (the answer's "error" says why), 2 bad command line, 3 no daemon answers
/// on the socket (not running, wrong path, no permission).
/// </summary>
internal static class ControlClient
{
    /// <summary>Where the systemd unit puts the socket (RuntimeDirectory=virtualip-failover).</summary>
    public const string DefaultSocket = "/run/virtualip-failover/control.sock";

    public const string Usage = """
        usage: VirtualIp.Failover ctl [--socket PATH] [--router NAME] COMMAND [--reason TEXT]
          status                          state, priorities, overrides, master, VIPs, last transition
          resign [--for 30s]              give mastership up (priority 0 now); back after --for, or on clear
          maintenance on|off              on: never master until off
          priority N                      use priority N (1-254) whatever tracking says, until clear
          takeover                        become master now (drill), until clear
          clear [all|resign,maintenance,priority,takeover]
        Prints the daemon's JSON answer. Exit codes: 0 done, 1 refused by the daemon, 2 bad command line,
        3 no daemon answers on the socket (default /run/virtualip-failover/control.sock).
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, CancellationToken cancellationToken = default)
    {
        if (!TryBuildRequest(args, out string socketPath, out string request, out string? error))
        {
            await errors.WriteLineAsync(error is null ? Usage : $"error: {error}\n{Usage}").ConfigureAwait(false);
            return error is null ? 0 : 2;
        }

        string answer;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            await socket.SendAsync(Encoding.UTF8.GetBytes(request + "\n"), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            using var stream = new NetworkStream(socket, ownsSocket: false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            answer = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("the daemon closed the connection without answering");
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            await errors.WriteLineAsync($"error: no answer on {socketPath}: {ex.Message}").ConfigureAwait(false);
            return 3;
        }

        await output.WriteLineAsync(answer).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(answer);
        return doc.RootElement.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True ? 0 : 1;
    }

    /// <summary>The command line to a request line; false with an error (or a null error for --help).</summary>
    internal static bool TryBuildRequest(string[] args, out string socketPath, out string request, out string? error)
    {
        socketPath = DefaultSocket;
        request = "";
        error = null;
        string? router = null, reason = null, duration = null, command = null;
        var positional = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "-h" or "--help")
            {
                return false;
            }

            if (a is "--socket" or "--router" or "--reason" or "--for")
            {
                if (i + 1 >= args.Length)
                {
                    error = $"{a} needs a value.";
                    return false;
                }

                string v = args[++i];
                _ = a switch { "--socket" => socketPath = v, "--router" => router = v, "--reason" => reason = v, _ => duration = v };
            }
            else if (a.StartsWith("--", StringComparison.Ordinal))
            {
                error = $"unknown option '{a}'.";
                return false;
            }
            else
            {
                positional.Add(a);
            }
        }

        if (positional.Count == 0)
        {
            error = "no command.";
            return false;
        }

        command = positional[0];
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("command", command);
            if (router is not null)
            {
                w.WriteString("router", router);
            }

            if (reason is not null)
            {
                w.WriteString("reason", reason);
            }

            string? arg = positional.Count > 1 ? positional[1] : null;
            switch (command)
            {
                case "status" or "takeover" when arg is null:
                    break;
                case "resign" when arg is null:
                    if (duration is not null && !(DurationText.TryParse(duration, out var d) && d > TimeSpan.Zero))
                    {
                        error = $"--for {duration}: not a positive duration such as 30s or 5m.";
                        return false;
                    }

                    if (duration is not null)
                    {
                        w.WriteString("for", duration);
                    }

                    break;
                case "maintenance" when arg is "on" or "off":
                    w.WriteBoolean("on", arg == "on");
                    break;
                case "priority" when int.TryParse(arg, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) && p is >= 1 and <= 254:
                    w.WriteNumber("priority", p);
                    break;
                case "clear" when ControlCommand.TryOverrides(arg ?? "all", out _):
                    w.WriteString("overrides", arg ?? "all");
                    break;
                default:
                    error = $"'{string.Join(' ', positional)}': see the usage.";
                    return false;
            }

            if (positional.Count > 2 || (duration is not null && command != "resign"))
            {
                error = $"'{string.Join(' ', args)}': too many arguments.";
                return false;
            }

            w.WriteEndObject();
        }

        request = Encoding.UTF8.GetString(ms.ToArray());
        return true;
    }
}
