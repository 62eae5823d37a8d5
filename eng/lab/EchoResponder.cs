using System.Net;
using System.Net.Sockets;

namespace VirtualIp.Lab;

/// <summary>
/// The service on a lab node: a UDP echo responder (IPv4 and IPv6) answering every datagram with the payload plus its
/// node number. Shared by the namespace labs (linked source).
/// </summary>
internal sealed class EchoResponder : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _thread;
    private volatile bool _stop;

    public EchoResponder(string ns, int port, byte node)
    {
        // A socket created on a thread that entered the namespace belongs to that namespace for its whole life.
        _socket = Native.RunIn(ns, () =>
        {
            var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
            s.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
            s.ReceiveTimeout = 200;
            return s;
        });
        _thread = new Thread(() =>
        {
            var buffer = new byte[64];
            EndPoint from = new IPEndPoint(IPAddress.IPv6Any, 0);
            while (!_stop)
            {
                try
                {
                    int n = _socket.ReceiveFrom(buffer, ref from);
                    if (n >= 16 && !Muted)
                    {
                        buffer[16] = node;
                        _socket.SendTo(buffer.AsSpan(0, 17), SocketFlags.None, from);
                    }
                }
                catch (SocketException)
                {
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        })
        { IsBackground = true, Name = "echo " + ns, Priority = ThreadPriority.AboveNormal };
        _thread.Start();
        Cleanup.Register(Dispose);
    }

    /// <summary>True while the node's application is down (the chaos harness mutes it while the node's member is killed or frozen).</summary>
    public bool Muted { get; set; }

    public void Dispose()
    {
        _stop = true;
        _socket.Dispose();
    }
}
