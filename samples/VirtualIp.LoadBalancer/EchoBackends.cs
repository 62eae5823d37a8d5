using System.Net;
using System.Net.Sockets;

namespace VirtualIp.LoadBalancer;

/// <summary>
/// TCP echo servers (half-close aware) for benchmarks and the namespace lab; only loopback and documentation addresses
/// (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, which the lab uses inside its namespaces) are accepted.
/// </summary>
internal static class EchoBackends
{
    public static async Task<int> RunAsync(string list)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            cts.Cancel();
        });

        var listeners = new List<Socket>();
        foreach (var text in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IPEndPoint.TryParse(text, out var ep) || !(IPAddress.IsLoopback(ep.Address) || IsDocumentation(ep.Address)))
            {
                Console.Error.WriteLine($"echo: '{text}' is not a loopback or documentation (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) ADDR:PORT");
                return 2;
            }

            var s = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.Bind(ep);
            s.Listen(4096);
            listeners.Add(s);
        }

        var loops = listeners.Select(l => AcceptLoopAsync(l, cts.Token)).ToArray();
        Console.WriteLine($"echo: listening on {string.Join(", ", listeners.Select(l => l.LocalEndPoint))}");
        try
        {
            await Task.Delay(Timeout.Infinite, cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var l in listeners)
        {
            l.Dispose();
        }

        await Task.WhenAll(loops);
        return 0;
    }

    private static bool IsDocumentation(IPAddress a)
    {
        Span<byte> b = stackalloc byte[16];
        a.TryWriteBytes(b, out int n);
        return n == 4
            ? (b[0] == 192 && b[1] == 0 && b[2] == 2) || (b[0] == 198 && b[1] == 51 && b[2] == 100) || (b[0] == 203 && b[1] == 0 && b[2] == 113)
            : b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8;
    }

    private static async Task AcceptLoopAsync(Socket listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await listener.AcceptAsync(ct);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (ct.IsCancellationRequested || ex is ObjectDisposedException)
                {
                    return;
                }

                continue;
            }

            _ = EchoAsync(s);
        }
    }

    private static async Task EchoAsync(Socket s)
    {
        s.NoDelay = true;
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (true)
            {
                int n = await s.ReceiveAsync(buf.AsMemory(), SocketFlags.None);
                if (n == 0)
                {
                    s.Shutdown(SocketShutdown.Send);
                    return;
                }

                await s.SendAsync(buf.AsMemory(0, n), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buf);
            s.Dispose();
        }
    }
}
