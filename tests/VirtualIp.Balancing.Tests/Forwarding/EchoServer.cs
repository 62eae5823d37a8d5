using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Balancing.Tests.Forwarding;

/// <summary>A loopback TCP echo backend: echoes bytes, and after the client's FIN echoes the rest and sends its own FIN.</summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;
    private int _accepted;

    public EchoServer(byte? prefix = null, int port = 0)
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        _listener.Listen(512);
        Prefix = prefix;
        _loop = AcceptLoop();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public string Address => EndPoint.ToString();

    /// <summary>When set, each connection first sends this byte (identifies the backend).</summary>
    public byte? Prefix { get; }

    public int Accepted => Volatile.Read(ref _accepted);

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        _listener.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
        }

        _cts.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_cts.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _listener.AcceptAsync(_cts.Token);
            }
            catch (Exception)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = Echo(s);
        }
    }

    private async Task Echo(Socket s)
    {
        var buf = new byte[64 * 1024];
        try
        {
            if (Prefix is byte p)
            {
                await s.SendAsync(new[] { p }, SocketFlags.None);
            }

            while (true)
            {
                int n = await s.ReceiveAsync(buf, SocketFlags.None, _cts.Token);
                if (n == 0)
                {
                    s.Shutdown(SocketShutdown.Send);
                    break;
                }

                await s.SendAsync(buf.AsMemory(0, n), SocketFlags.None, _cts.Token);
            }
        }
        catch (Exception)
        {
        }
        finally
        {
            s.Dispose();
        }
    }

    /// <summary>A loopback port with nothing listening (connections are refused).</summary>
    public static IPEndPoint RefusingEndPoint()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)s.LocalEndPoint!;
    }
}
