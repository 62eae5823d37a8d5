using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using VirtualIp.Health;

namespace VirtualIp.Benchmarks.Health;

/// <summary>
/// The health monitor's own overhead per check cycle (start, timeout arming, result, thresholds, metrics, reschedule),
/// with a delegate probe returning a cached completed ValueTask, and with a TCP connect to a loopback listener
/// (compared with the bare TCP probe to separate the socket stack's cost from the monitor's).
/// </summary>
[MemoryDiagnoser]
public class HealthCheckBenchmarks
{
    private readonly SemaphoreSlim _tcpDone = new(0);
    private HealthMonitor _monitor = null!;
    private Socket _listener = null!;
    private IHealthProbe _tcpProbe = null!;
    private CancellationTokenSource _stop = null!;
    private Task _acceptLoop = null!;

    [GlobalSetup]
    public void Setup()
    {
        _stop = new CancellationTokenSource();
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        _acceptLoop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    (await _listener.AcceptAsync(_stop.Token)).Dispose();
                }
                catch (Exception)
                {
                    return;
                }
            }
        });

        _tcpProbe = HealthProbes.Tcp((IPEndPoint)_listener.LocalEndPoint!);
        var cached = new ValueTask<ProbeResult>(ProbeResult.Success);
        _monitor = new HealthMonitor(TimeProvider.System);
        _monitor.ProbeCompleted += (string name, HealthState _, in ProbeResult _) =>
        {
            if (ReferenceEquals(name, "tcp"))
            {
                _tcpDone.Release();
            }
        };
        var hour = TimeSpan.FromHours(1);
        _monitor.Add(new HealthCheckOptions { Name = "delegate", Interval = hour, Timeout = hour }, HealthProbes.FromDelegate(_ => cached));
        _monitor.Add(new HealthCheckOptions { Name = "tcp", Interval = hour, Timeout = hour }, _tcpProbe);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _monitor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stop.Cancel();
        _listener.Dispose();
        _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    /// <summary>One monitor cycle with a synchronous delegate probe: the monitor's own cost.</summary>
    [Benchmark(Baseline = true)]
    public void DelegateProbeCycle() => _monitor.RunNow("delegate", reschedule: true);

    /// <summary>One monitor cycle with a TCP connect to a loopback listener.</summary>
    [Benchmark]
    public void TcpProbeCycle()
    {
        _monitor.RunNow("tcp", reschedule: true);
        _tcpDone.Wait();
    }

    /// <summary>The bare TCP probe, without the monitor.</summary>
    [Benchmark]
    public ProbeResult TcpProbeDirect() => _tcpProbe.ProbeAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
}
