using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VirtualIp.Tests.Health.Probes;

/// <summary>A tiny HTTP/1.1 responder on 127.0.0.1 for probe tests: /ok, /status/NNN, /body/TEXT, /big, /slow.</summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackHttpServer()
    {
        _listener.Start();
        _loop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[4096];
                var filled = 0;
                while (!Encoding.ASCII.GetString(buffer, 0, filled).Contains("\r\n\r\n"))
                {
                    var n = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    filled += n;
                }

                var path = Encoding.ASCII.GetString(buffer, 0, filled).Split(' ')[1];
                int status = 200;
                string body = "hello";
                if (path.StartsWith("/status/"))
                {
                    status = int.Parse(path[8..]);
                }
                else if (path.StartsWith("/body/"))
                {
                    body = Uri.UnescapeDataString(path[6..]);
                }
                else if (path == "/big")
                {
                    body = new string('x', 10_000) + "NEEDLE";
                }
                else if (path == "/slow")
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                var bytes = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 {status} Test\r\nContent-Length: {bytes.Length}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(bytes, _stop.Token);
                await stream.FlushAsync(_stop.Token);
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception)
            {
                // Connection closed by the probe or server stopping.
            }
        }
    }
}
