using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Balancing.Tests.Forwarding;

/// <summary>UDP clients and round trips through a forwarder (loopback only).</summary>
internal static class UdpTestKit
{
    /// <summary>A client socket bound to <paramref name="address"/> (any 127.x.y.z works: all of 127/8 is local).</summary>
    public static Socket Client(string address = "127.0.0.1")
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        return s;
    }

    /// <summary>Sends <paramref name="text"/> and returns the id byte of the backend that echoed it.</summary>
    public static async Task<byte> RoundTripAsync(Socket client, IPEndPoint forwarder, string text, double timeoutSeconds = 10)
    {
        var payload = System.Text.Encoding.ASCII.GetBytes(text);
        await client.SendToAsync(payload, SocketFlags.None, forwarder, TestContext.Current.CancellationToken);
        var buf = new byte[1024];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        var r = await client.ReceiveFromAsync(buf, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        Assert.Equal(forwarder, r.RemoteEndPoint); // replies come from the VIP, not from the backend
        Assert.Equal(payload, buf.AsSpan(1, r.ReceivedBytes - 1).ToArray());
        return buf[0];
    }

    /// <summary>True when a round trip completes within <paramref name="timeoutSeconds"/>; false when no reply came.</summary>
    public static async Task<bool> TryRoundTripAsync(Socket client, IPEndPoint forwarder, string text, double timeoutSeconds = 0.5)
    {
        try
        {
            await RoundTripAsync(client, forwarder, text, timeoutSeconds);
            return true;
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}

/// <summary>A UDP backend that replies with its id byte followed by the datagram.</summary>
internal sealed class UdpEcho : IDisposable
{
    private readonly Socket _s = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private int _received;

    public UdpEcho(byte id)
    {
        _s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _ = Loop(id);
    }

    public string Address => _s.LocalEndPoint!.ToString()!;

    public int Received => Volatile.Read(ref _received);

    public void Dispose() => _s.Dispose();

    private async Task Loop(byte id)
    {
        var buf = new byte[2048];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        try
        {
            while (true)
            {
                int n = await _s.ReceiveFromAsync(buf.AsMemory(1), SocketFlags.None, from);
                Interlocked.Increment(ref _received);
                buf[0] = id;
                await _s.SendToAsync(buf.AsMemory(0, n + 1), SocketFlags.None, from);
            }
        }
        catch (Exception)
        {
        }
    }
}
