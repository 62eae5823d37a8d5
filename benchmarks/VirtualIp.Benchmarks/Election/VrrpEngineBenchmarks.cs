using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Election;
using VirtualIp.Vrrp;

namespace VirtualIp.Benchmarks.Election;

/// <summary>
/// The VRRP engine's steady state: a backup handling one received advert (dispatch by VRID, validation, decode,
/// down-timer re-arm) and a master sending one advert (encode with checksum + transport call). Both must allocate nothing.
/// Run: dotnet run -c Release --project benchmarks/VirtualIp.Benchmarks -- --filter '*VrrpEngine*' --job short
/// (add --inProcess on a busy machine where the generated project's build times out).
/// Indicative figures (busy shared 2-core machine, two --job short --inProcess runs): receive 97–246 ns,
/// send 120–346 ns (v2 and v3), 0 bytes allocated in all four.
/// </summary>
[MemoryDiagnoser]
public class VrrpEngineBenchmarks
{
    private static readonly IPAddress Group = IPAddress.Parse("224.0.0.18");
    private VrrpRouter _master = null!;
    private VrrpRouter _backup = null!;
    private BenchTransport _backupTransport = null!;
    private byte[] _advert = null!;
    private byte[] _source = null!;
    private byte[] _destination = null!;

    [Params(VrrpVersion.V3, VrrpVersion.V2)]
    public VrrpVersion Version { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var time = new FrozenTimeProvider();
        var masterAddress = IPAddress.Parse("192.0.2.2");
        var masterTransport = new BenchTransport(masterAddress);
        _backupTransport = new BenchTransport(IPAddress.Parse("192.0.2.1"));
        _master = VirtualRouterFactory.CreateCore([Options("m", 255)], _ => masterTransport, new NoopBinder(), null, time, NullLoggerFactory.Instance)[0];
        _backup = VirtualRouterFactory.CreateCore([Options("b", 100)], _ => _backupTransport, new NoopBinder(), null, time, NullLoggerFactory.Instance)[0];
        _master.StartAsync().GetAwaiter().GetResult();
        _backup.StartAsync().GetAwaiter().GetResult();

        // The advert the backup receives: what the master actually sent.
        _advert = masterTransport.LastSent.ToArray();
        _source = masterAddress.GetAddressBytes();
        _destination = Group.GetAddressBytes();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _master.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _backup.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>A backup receives one valid advert from its master.</summary>
    [Benchmark]
    public void ReceiveAdvert()
    {
        var packet = new VrrpReceivedPacket(_advert, _source, _destination, 255, false);
        _backupTransport.Handler!.OnPacket(packet);
    }

    /// <summary>The master's advert timer fires: encode and send one advert.</summary>
    [Benchmark]
    public void SendAdvert() => _master.OnAdvertTimerForTests();

    private VrrpRouterOptions Options(string name, int priority) => new()
    {
        Name = name,
        Interface = "bench0",
        VirtualRouterId = 51,
        Priority = priority,
        Version = Version,
        AuthPassword = Version == VrrpVersion.V2 ? "secret" : null,
        Vips = [VipAddress.Parse("192.0.2.100/24"), VipAddress.Parse("192.0.2.101/24")],
        RemoveStaleAddressesOnStart = false,
    };

    private sealed class BenchTransport(IPAddress local) : IVrrpTransport
    {
        private readonly byte[] _last = new byte[1500];
        private int _length;

        public IVrrpPacketHandler? Handler { get; private set; }

        public ReadOnlySpan<byte> LastSent => _last.AsSpan(0, _length);

        public bool IsIPv6 => false;

        public IPAddress LocalAddress => local;

        public IReadOnlyList<IPAddress> Destinations { get; } = [Group];

        public ValueTask StartAsync(IVrrpPacketHandler handler, CancellationToken cancellationToken = default)
        {
            Handler = handler;
            return ValueTask.CompletedTask;
        }

        public void Send(ReadOnlySpan<byte> payload, int destinationIndex)
        {
            payload.CopyTo(_last);
            _length = payload.Length;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Time stands still: timers never fire, so only the measured calls run.</summary>
    private sealed class FrozenTimeProvider : TimeProvider
    {
        public override long GetTimestamp() => 1_000_000;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NoopTimer();

        private sealed class NoopTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    private sealed class NoopBinder : IVipBinder
    {
        public ValueTask<bool> AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options = null, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

        public ValueTask<bool> RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

        public ValueTask<IReadOnlyList<BoundAddress>> ListAsync(string interfaceName, CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<BoundAddress>>([]);

        public ValueTask<IReadOnlyList<BoundAddress>> RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep = null, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<BoundAddress>>([]);

        public ValueTask<InterfaceInfo> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new InterfaceInfo(interfaceName, 1, MacAddress.Zero, 1500, true, null, null));
    }
}
