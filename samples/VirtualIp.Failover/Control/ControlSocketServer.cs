using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualIp.Control;
using VirtualIp.Hosting;

namespace VirtualIp.Failover.Control;

/// <summary>
/// The local control socket (<c>--control-socket PATH</c> / <c>Failover:ControlSocket</c>): a Unix stream socket, mode
/// 0600, one JSON request per line and one JSON answer per line (<see cref="ControlCommand"/>, <see cref="ControlResponse"/>).
/// The caller is identified by the kernel (SO_PEERCRED), never by what it claims; that identity is the "by" of every
/// action and of its audit record. Off when no path is configured.
/// </summary>
internal sealed partial class ControlSocketServer : BackgroundService
{
    /// <summary>The configuration key of the socket path.</summary>
    public const string PathKey = "Failover:ControlSocket";

    private const int MaxConnections = 8;
    private static readonly TimeSpan s_idleTimeout = TimeSpan.FromSeconds(30);

    private readonly IVirtualIpRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string? _path;
    private Socket? _listener;
    private int _connections;

    public ControlSocketServer(IVirtualIpRuntime runtime, IConfiguration configuration, TimeProvider time, ILogger<ControlSocketServer> logger)
    {
        _runtime = runtime;
        _time = time;
        _logger = logger;
        _path = configuration[PathKey] is { Length: > 0 } p ? Path.GetFullPath(p) : null;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_path is null)
        {
            return Task.CompletedTask;
        }

        _listener = Bind(_path);
        LogListening(_logger, _path);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_path is not null && _listener is not null)
        {
            File.Delete(_path);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = _listener!;
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeAsync(client, stoppingToken);
        }
    }

    private static Socket Bind(string path)
    {
        try
        {
            return BindCore(path);
        }
        catch (Exception ex) when (ex is SocketException or UnauthorizedAccessException or (IOException and not ControlSocketException))
        {
            throw new ControlSocketException($"Cannot create the control socket {path}: {ex.Message} (the directory must exist or be creatable and writable by the daemon's user).", ex);
        }
    }

    private static Socket BindCore(string path)
    {
        if (File.Exists(path))
        {
            // A socket left by a crashed run is removed; one a live daemon answers on is not taken over.
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new ControlSocketException($"Control socket {path} is in use by another process (is another VirtualIp.Failover running?).");
            }
            catch (SocketException)
            {
                File.Delete(path);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite); // 0600: the daemon's user (and root) only
            }
            socket.Listen(MaxConnections);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stoppingToken)
    {
        using (client)
        {
            if (Interlocked.Increment(ref _connections) > MaxConnections)
            {
                Interlocked.Decrement(ref _connections);
                await SendAsync(client, ControlResponse.Error("too many control connections"), stoppingToken).ConfigureAwait(false);
                return;
            }

            try
            {
                string by = PeerCredentials.TryGet(client, out var peer) ? peer.ToString() : "unknown peer";
                var buffer = new byte[ControlCommand.MaxLineBytes + 1];
                int filled = 0;
                while (true)
                {
                    using var idle = new CancellationTokenSource(s_idleTimeout, _time);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, stoppingToken);
                    int n = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, linked.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }

                    filled += n;
                    int newline;
                    while ((newline = Array.IndexOf(buffer, (byte)'\n', 0, filled)) >= 0)
                    {
                        string answer = Handle(buffer.AsSpan(0, newline), by);
                        await SendAsync(client, answer, stoppingToken).ConfigureAwait(false);
                        Buffer.BlockCopy(buffer, newline + 1, buffer, 0, filled - newline - 1);
                        filled -= newline + 1;
                    }

                    if (filled > ControlCommand.MaxLineBytes)
                    {
                        await SendAsync(client, ControlResponse.Error($"request longer than {ControlCommand.MaxLineBytes} bytes"), stoppingToken).ConfigureAwait(false);
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // the client went away, idled out, or the daemon stops
            }
            finally
            {
                Interlocked.Decrement(ref _connections);
            }
        }
    }

    private static async Task SendAsync(Socket client, string line, CancellationToken cancellationToken) =>
        await client.SendAsync(Encoding.UTF8.GetBytes(line + "\n"), SocketFlags.None, cancellationToken).ConfigureAwait(false);

    /// <summary>Runs one request line; never throws (a refused action is an error answer).</summary>
    internal string Handle(ReadOnlySpan<byte> line, string by)
    {
        if (!ControlCommand.TryParse(line, out var command, out string error))
        {
            LogRefused(_logger, by, "?", error);
            return ControlResponse.Error(error);
        }

        try
        {
            if (command.Command == "status")
            {
                IEnumerable<string> names = command.Router is { } one ? [one] : _runtime.Routers.Select(r => r.Name);
                return ControlResponse.Ok(by, names.Select(n => _runtime.GetControl(n).GetStatus()));
            }

            string router = command.Router ?? (_runtime.Routers.Count == 1 ? _runtime.Routers[0].Name
                : throw new InvalidOperationException($"{_runtime.Routers.Count} routers run here: name one with \"router\"."));
            var control = _runtime.GetControl(router);
            var request = new ControlRequest(by, command.Reason);
            var status = command.Command switch
            {
                "resign" => control.Resign(request, command.For),
                "maintenance" => control.SetMaintenance(command.On, request),
                "priority" => control.OverridePriority(command.Priority, request),
                "takeover" => control.Takeover(request),
                _ => control.Clear(command.Overrides, request),
            };
            LogAction(_logger, by, command.Command, router, command.Reason, status.State.ToString());
            return ControlResponse.Ok(by, [status]);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or ArgumentException or NotSupportedException)
        {
            LogRefused(_logger, by, command.Command, ex.Message);
            return ControlResponse.Error(ex.Message);
        }
    }
}
