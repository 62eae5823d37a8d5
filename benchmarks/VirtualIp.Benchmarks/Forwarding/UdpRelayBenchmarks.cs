using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using VirtualIp.Balancing;
using VirtualIp.Balancing.Forwarding;
using VirtualIp.Balancing.Scheduling;

namespace VirtualIp.Benchmarks.Forwarding;

/// <summary>
/// One UDP round trip of a known client through the forwarder on loopback (client → forwarder → echo backend →
/// forwarder → client), and the same round trip straight to the echo as the baseline. The allocation column counts
/// every thread (BenchmarkDotNet uses <c>GC.GetTotalAllocatedBytes</c>), so the forwarder's receive and reply loops are
/// in it; target 0 B (issue #12). Run: <c>dotnet run -c Release --project benchmarks/VirtualIp.Benchmarks -- --filter '*UdpRelay*'</c>.
/// </summary>
[MemoryDiagnoser]
public class UdpRelayBenchmarks
{
    private readonly byte[] _payload = new byte[100];
    private readonly byte[] _reply = new byte[200];
    private Socket _echo = null!;
    private Socket _viaForwarder = null!;
    private Socket _direct = null!;
    private UdpForwarder _forwarder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _echo = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _echo.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _ = EchoAsync(_echo);

        var o = new ForwarderOptions { Name = "bench-udp", Listen = "127.0.0.1:0", Protocol = ForwarderProtocol.Udp };
        o.HealthCheck.Enabled = false;
        o.Backends.Add(new ForwarderBackendOptions { Address = _echo.LocalEndPoint!.ToString()! });
        var scheduler = new BackendSchedulerFactory().Create(o.Scheduler);
        scheduler.Update(ForwarderCore.ResolveBackendsAsync(o, CancellationToken.None).GetAwaiter().GetResult());
        _forwarder = new UdpForwarder(new ForwarderCore(o, scheduler));
        _forwarder.Start();

        _viaForwarder = Client(_forwarder.LocalEndPoint);
        _direct = Client((IPEndPoint)_echo.LocalEndPoint!);
        for (int i = 0; i < 100; i++)
        {
            ThroughForwarder(); // opens the session
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _viaForwarder.Dispose();
        _direct.Dispose();
        _forwarder.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _echo.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int Direct() => RoundTrip(_direct);

    [Benchmark]
    public int ThroughForwarder() => RoundTrip(_viaForwarder);

    private int RoundTrip(Socket s)
    {
        s.Send(_payload);
        return s.Receive(_reply);
    }

    private static Socket Client(IPEndPoint to)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        s.Connect(to);
        return s;
    }

    /// <summary>Echoes every datagram to its sender (SocketAddress overloads: allocation-free).</summary>
    private static async Task EchoAsync(Socket s)
    {
        var buf = new byte[2048];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        try
        {
            while (true)
            {
                int n = await s.ReceiveFromAsync(buf, SocketFlags.None, from);
                await s.SendToAsync(buf.AsMemory(0, n), SocketFlags.None, from);
            }
        }
        catch (Exception)
        {
            // disposed at cleanup
        }
    }
}
