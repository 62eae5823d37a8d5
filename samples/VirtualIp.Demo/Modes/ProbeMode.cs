using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using VirtualIp.Demo.Namespaces;

namespace VirtualIp.Demo.Modes;

/// <summary>
/// Hidden mode <c>--probe ADDRESS [--probe6 ADDRESS] [--port N]</c>: the client. Sends a numbered UDP datagram to each VIP
/// every 10 ms and prints a line when the answering node changes or answers stop (see <see cref="ProbeTracker"/>).
/// SIGTERM stops it.
/// </summary>
internal static class ProbeMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        var a = Arguments.Parse(args);
        int port = int.Parse(a.Get("--port", DemoSettings.EchoPort.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

        var probes = new List<Task> { ProbeAsync(new IPEndPoint(IPAddress.Parse(a.Get("--probe")), port), "IPv4", stop.Token) };
        if (a.TryGet("--probe6") is { } v6)
        {
            probes.Add(ProbeAsync(new IPEndPoint(IPAddress.Parse(v6), port), "IPv6", stop.Token));
        }

        Console.WriteLine(LineProtocol.Format(DateTimeOffset.UtcNow, "ready"));
        await Task.WhenAll(probes);
        return 0;
    }

    private static async Task ProbeAsync(IPEndPoint target, string family, CancellationToken ct)
    {
        // Unconnected: the answer comes from the node's own address, not the VIP, and must still be accepted.
        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        var tracker = new ProbeTracker(e => Console.WriteLine(LineProtocol.Format(e)), family);
        var receiver = ReceiveAsync(socket, tracker, ct);

        var payload = new byte[8];
        using var timer = new PeriodicTimer(DemoSettings.ProbeInterval);
        long seq = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                BinaryPrimitives.WriteInt64LittleEndian(payload, seq);
                try
                {
                    await socket.SendToAsync(payload, SocketFlags.None, target, ct);
                }
                catch (SocketException)
                {
                    // No route or neighbour yet: a lost probe like any other.
                }

                tracker.OnTick(seq++, DateTimeOffset.UtcNow);
            }
        }
        catch (OperationCanceledException)
        {
        }

        await receiver;
    }

    private static async Task ReceiveAsync(Socket socket, ProbeTracker tracker, CancellationToken ct)
    {
        var buffer = new byte[64];
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (true)
            {
                var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, ct);
                if (r.ReceivedBytes > 8)
                {
                    long seq = BinaryPrimitives.ReadInt64LittleEndian(buffer);
                    tracker.OnAnswer(seq, Encoding.ASCII.GetString(buffer, 8, r.ReceivedBytes - 8), DateTimeOffset.UtcNow);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }
}
