using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using VirtualIp.Addressing;
using VirtualIp.Binding;
using VirtualIp.Election;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Linux.Netlink;
using VirtualIp.Linux.Vrrp;
using VirtualIp.Testing;
using VirtualIp.Vrrp;

namespace VirtualIp.IntegrationTests.Vrrp;

/// <summary>The flood and its timing bounds need the machine to themselves: nothing else runs in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileTrafficCollection
{
    public const string Name = "Hostile traffic (alone)";
}

/// <summary>
/// Issue 11 proof on the real kernel: two of our nodes (the library in-process, one per namespace) and an attacker on
/// the same segment sending every malformed case at &gt;= 1,000 packets/s, IPv4 and IPv6, multicast and unicast.
/// Duration: <c>VIRTUALIP_HOSTILE_SECONDS</c> (default 6 s in the suite; the documented long run uses 30).
/// </summary>
[Collection(HostileTrafficCollection.Name)]
public sealed class HostileTrafficTests(ITestOutputHelper output)
{
    private static readonly IPAddress s_attacker4 = IPAddress.Parse("192.0.2.66");
    private static readonly IPAddress s_group4 = IPAddress.Parse("224.0.0.18");
    private static readonly IPAddress s_group6 = IPAddress.Parse("ff02::12");
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(100);

    private static TimeSpan Duration =>
        int.TryParse(Environment.GetEnvironmentVariable("VIRTUALIP_HOSTILE_SECONDS"), out var s) && s > 0 ? TimeSpan.FromSeconds(s) : TimeSpan.FromSeconds(6);

    [Fact]
    public async Task A_flood_of_malformed_vrrp_changes_no_state_moves_no_vip_and_keeps_adverts_on_time()
    {
        TestEnvironment.RequireRootAndTools("ip", "ping");
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 3 }, TestContext.Current.CancellationToken);
        var (n1, n2, attacker) = (lab.Node(1), lab.Node(2), lab.Node(3));
        var logs = new CountingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));

        var a4 = StartRouter(n1, ipv6: false, 150, factory);
        var b4 = StartRouter(n2, ipv6: false, 100, factory);
        var a6 = StartRouter(n1, ipv6: true, 150, factory);
        var b6 = StartRouter(n2, ipv6: true, 100, factory);
        var all = new[] { a4, b4, a6, b6 };
        try
        {
            foreach (var n in all)
            {
                await n.Router.StartAsync(TestContext.Current.CancellationToken);
            }

            Assert.True(Poll.Until(() => a4.Router.State == VrrpState.Master && a6.Router.State == VrrpState.Master
                && b4.Router.State == VrrpState.Backup && b6.Router.State == VrrpState.Backup, TimeSpan.FromSeconds(10)), "initial election");
            await Task.Delay(500, TestContext.Current.CancellationToken);

            // A listener on the backup's node records when the master's adverts arrive.
            var gaps = new AdvertGapRecorder();
            await using var listen4 = VrrpNetnsPair.RunIn(n2.Namespace, () => (RawVrrpTransport)LinuxVrrpTransport.Create(new LinuxVrrpTransportOptions { InterfaceName = n2.Interface }));
            await using var listen6 = VrrpNetnsPair.RunIn(n2.Namespace, () => (RawVrrpTransport)LinuxVrrpTransport.Create(new LinuxVrrpTransportOptions { InterfaceName = n2.Interface, IsIPv6 = true }));
            await listen4.StartAsync(gaps, TestContext.Current.CancellationToken);
            await listen6.StartAsync(gaps, TestContext.Current.CancellationToken);
            await Task.Delay(300, TestContext.Current.CancellationToken);

            // Baseline: the same measurement without the attack (the machine's own timer jitter; CI machines are loaded).
            // The client probes both VIPs (bound for real on the master) every 10 ms, without and then during the attack.
            gaps.Reset();
            var baselineSeconds = (int)Math.Min(Duration.TotalSeconds, 6);
            var baselineProbes = await ProbeAsync(lab.Client, baselineSeconds);
            var baseline = TimeSpan.FromTicks(Math.Max(gaps.MaxGap(false).Ticks, gaps.MaxGap(true).Ticks));

            long transitionsBefore = all.Sum(n => n.Router.GetStatistics().Transitions);
            long bindsBefore = all.Sum(n => n.Binder.Calls);
            int linesBefore = logs.Count;
            gaps.Reset();

            var ll1 = LinkLocal(n1);
            var ll2 = LinkLocal(n2);
            var duration = Duration;
            var attack = VrrpNetnsPair.RunIn(attacker.Namespace, () => new VrrpAttacker(attacker.Interface, attacker.IPv4, LinkLocal(attacker)));
            // Without authentication the well-formed adverts of the stranger (a lower priority for our VRIDs) are a
            // conflict: the issue asks for a RouterConflictEvent within 1 s of the attack's start.
            var conflicts = new ConcurrentQueue<(long At, RouterConflictEventArgs Args)>();
            EventHandler<RouterConflictEventArgs> onConflict = (_, e) => conflicts.Enqueue((Stopwatch.GetTimestamp(), e));
            foreach (var n in all)
            {
                n.Router.ConflictDetected += onConflict;
            }

            long sent;
            long attackStart = Stopwatch.GetTimestamp();
            var attackProbesTask = ProbeAsync(lab.Client, (int)duration.TotalSeconds);
            using (attack)
            {
                sent = await Task.Run(() => attack.Run(duration, [s_group4, n1.IPv4, n2.IPv4], [s_group6, ll1, ll2]), TestContext.Current.CancellationToken);
            }

            var attackProbes = await attackProbesTask;

            await Task.Delay(500, TestContext.Current.CancellationToken);
            long transitions = all.Sum(n => n.Router.GetStatistics().Transitions) - transitionsBefore;
            long binds = all.Sum(n => n.Binder.Calls) - bindsBefore;
            int lines = logs.Count - linesBefore;
            var maxGap4 = gaps.MaxGap(false);
            var maxGap6 = gaps.MaxGap(true);
            double rate = sent / duration.TotalSeconds;
            output.WriteLine($"attack: {sent} packets in {duration.TotalSeconds:F0} s ({rate:F0}/s); state changes {transitions}; VIP binder calls {binds}; " +
                $"max advert gap IPv4 {maxGap4.TotalMilliseconds:F0} ms, IPv6 {maxGap6.TotalMilliseconds:F0} ms; log lines {lines}; " +
                $"rejected n1/v4 {a4.Router.GetStatistics().TotalRejected}, n2/v4 {b4.Router.GetStatistics().TotalRejected}, n1/v6 {a6.Router.GetStatistics().TotalRejected}, n2/v6 {b6.Router.GetStatistics().TotalRejected}; " +
                $"master adverts seen {gaps.Count}; baseline max gap without attack {baseline.TotalMilliseconds:F0} ms");
            foreach (var l in logs.Lines.Skip(linesBefore).Take(60))
            {
                output.WriteLine("  log: " + l);
            }

            output.WriteLine($"client probes every 10 ms, lost/sent: without attack IPv4 {baselineProbes.Lost4}/{baselineProbes.Sent4}, IPv6 {baselineProbes.Lost6}/{baselineProbes.Sent6}; " +
                $"during the attack IPv4 {attackProbes.Lost4}/{attackProbes.Sent4}, IPv6 {attackProbes.Lost6}/{attackProbes.Sent6}");
            Assert.True(rate >= 1000, $"attack rate {rate:F0}/s");
            // Probe loss no higher than without the attack (loss rates; one probe of slack for a 2-core machine's jitter).
            Assert.True(attackProbes.Sent4 > 0 && attackProbes.Sent6 > 0, "the client's probes ran");
            Assert.True(attackProbes.Lost4 <= 1 + (double)baselineProbes.Lost4 / Math.Max(1, baselineProbes.Sent4) * attackProbes.Sent4,
                $"IPv4 probe loss {attackProbes.Lost4}/{attackProbes.Sent4} during the attack vs {baselineProbes.Lost4}/{baselineProbes.Sent4} without");
            Assert.True(attackProbes.Lost6 <= 1 + (double)baselineProbes.Lost6 / Math.Max(1, baselineProbes.Sent6) * attackProbes.Sent6,
                $"IPv6 probe loss {attackProbes.Lost6}/{attackProbes.Sent6} during the attack vs {baselineProbes.Lost6}/{baselineProbes.Sent6} without");
            Assert.True(conflicts.TryPeek(out var first), "no RouterConflictEvent during the attack");
            var firstAfter = Stopwatch.GetElapsedTime(attackStart, first.At);
            output.WriteLine($"first router conflict {firstAfter.TotalMilliseconds:F0} ms after the attack began: {first.Args.RouterName} from {first.Args.Source} ({first.Args.Kind}); {conflicts.Count} conflict events in all");
            Assert.True(firstAfter <= TimeSpan.FromSeconds(1), $"first RouterConflictEvent {firstAfter.TotalMilliseconds:F0} ms after the attack began");
            Assert.Contains(conflicts, c => c.Args.Source.Equals(attacker.IPv4)); // the attacker is named
            Assert.Equal(0, transitions);
            Assert.Equal(0, binds);
            Assert.Equal(VrrpState.Master, a4.Router.State);
            Assert.Equal(VrrpState.Master, a6.Router.State);
            Assert.Equal(VrrpState.Backup, b4.Router.State);
            Assert.Equal(VrrpState.Backup, b6.Router.State);
            // Bound: 1.5 x interval (the issue's), or no worse than the same machine without the attack when its own
            // scheduling jitter already exceeds that (two loaded cores); either way far below Master_Down_Interval (361 ms).
            var bound = TimeSpan.FromTicks(Math.Max((s_interval * 1.5).Ticks, baseline.Ticks + TimeSpan.FromMilliseconds(20).Ticks));
            Assert.True(maxGap4 <= bound, $"IPv4 master advert gap {maxGap4.TotalMilliseconds} ms > {bound.TotalMilliseconds} ms");
            Assert.True(maxGap6 <= bound, $"IPv6 master advert gap {maxGap6.TotalMilliseconds} ms > {bound.TotalMilliseconds} ms");

            // Bounded: per router a first warning per reason and a conflict line per source per 10 s, a summary per reason per minute.
            int minutes = (int)Math.Ceiling(duration.TotalMinutes);
            Assert.True(lines <= 4 * (12 + (12 * minutes) + (int)(duration.TotalSeconds / 10) + 1), $"{lines} log lines during the attack");
        }
        finally
        {
            foreach (var n in all)
            {
                await n.Router.DisposeAsync();
                n.Binder.Dispose();
            }
        }
    }

    private static IPAddress LinkLocal(LabNode node)
    {
        var output = Shell.Run("ip", "-n", node.Namespace, "-6", "-o", "addr", "show", "dev", node.Interface, "scope", "link").Output;
        var start = output.IndexOf("fe80::", StringComparison.Ordinal);
        return IPAddress.Parse(output[start..output.IndexOf('/', start)]);
    }

    private static Node StartRouter(LabNode node, bool ipv6, int priority, ILoggerFactory factory)
    {
        var options = new VrrpRouterOptions
        {
            Name = (ipv6 ? "v6-" : "v4-") + priority,
            Interface = node.Interface,
            VirtualRouterId = ipv6 ? 52 : 51,
            Priority = priority,
            AdvertisementInterval = s_interval,
            RemoveStaleAddressesOnStart = false,
        };
        options.Vips.Add(VipAddress.Parse(ipv6 ? "2001:db8::100/64" : "192.0.2.100/24"));
        var transport = VrrpNetnsPair.RunIn(node.Namespace, () => LinuxVrrpTransport.CreateForRouter(options, factory));
        var binder = new CountingBinder(VrrpNetnsPair.RunIn(node.Namespace, () => new NetlinkVipBinder()));
        return new Node(VirtualRouterFactory.Create(options, transport, binder, null, null, factory), binder);
    }

    [Fact]
    public async Task Bad_ipv6_checksums_do_not_make_the_receive_loop_back_off_nor_reach_the_engine_unchecked()
    {
        // Read from the code: with IPV6_CHECKSUM the kernel verifies while the loop peeks; a bad checksum surfaces as
        // EHOSTUNREACH and the loop backed off 100 ms (now: counted, no back-off). On veth the kernel does not verify
        // at all (CHECKSUM_UNNECESSARY): bad packets are delivered, so the engine must check them (it now does).
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        AddAttackerAddresses(net);
        await using var b = VrrpNetnsPair.RunIn(net.NamespaceB, () => (RawVrrpTransport)LinuxVrrpTransport.Create(new LinuxVrrpTransportOptions { InterfaceName = VrrpNetnsPair.Interface, IsIPv6 = true }));
        var handler = new GoodAdvertCounter();
        await b.StartAsync(handler, TestContext.Current.CancellationToken);
        b.SetVirtualRouterIds([52]);
        var attacker = VrrpNetnsPair.RunIn(net.NamespaceA, () => new VrrpAttacker(VrrpNetnsPair.Interface, s_attacker4, IPAddress.Parse("fe80::66")));
        using (attacker)
        {
            // 200 good adverts, each right after 5 with a bad checksum, 2 ms apart: 400 ms in all.
            for (int i = 0; i < 200; i++)
            {
                for (int j = 0; j < 5; j++)
                {
                    attacker.SendBadChecksum6(s_group6);
                }

                attacker.SendGood6(s_group6);
                Thread.Sleep(2);
            }
        }

        Assert.True(Poll.Until(() => handler.Count >= 200, TimeSpan.FromSeconds(3)), $"received {handler.Count} of 200 good adverts");
        output.WriteLine($"good {handler.Count}, bad checksums delivered and caught by the codec {handler.BadChecksums}, " +
            $"kernel checksum drops {b.ChecksumDrops}, receive errors {b.ReceiveErrors}, filter {b.FilterAttached}, rcvbuf {b.ReceiveBufferBytes}");
        Assert.Equal(200, handler.Count);
        Assert.Equal(0, b.ReceiveErrors);
        Assert.True(b.FilterAttached);
        Assert.True(b.ReceiveBufferBytes >= 1 << 20);
    }

    [Fact]
    public async Task An_unexpected_failure_in_the_receive_loop_restarts_it_and_is_counted()
    {
        // Read from the code: an unexpected exception ended the receive loop for good (a silently deaf backup).
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        AddAttackerAddresses(net);
        await using var b = VrrpNetnsPair.RunIn(net.NamespaceB, () => (RawVrrpTransport)LinuxVrrpTransport.Create(new LinuxVrrpTransportOptions { InterfaceName = VrrpNetnsPair.Interface }));
        int failures = 1;
        b.BeforeDrainForTests = () =>
        {
            if (Interlocked.Decrement(ref failures) == 0)
            {
                throw new InvalidOperationException("injected failure");
            }
        };
        var handler = new RecordingHandler();
        await b.StartAsync(handler, TestContext.Current.CancellationToken);
        var attacker = VrrpNetnsPair.RunIn(net.NamespaceA, () => new VrrpAttacker(VrrpNetnsPair.Interface, s_attacker4, IPAddress.Parse("fe80::66")));
        using (attacker)
        {
            attacker.Send4(VrrpAttacker.Advert(51, 1, s_attacker4, s_group4), s_group4, 255); // wakes the loop, which fails
            Assert.True(Poll.Until(() => b.LoopRestarts == 1, TimeSpan.FromSeconds(3)), "restart counted");
            attacker.Send4(VrrpAttacker.Advert(51, 2, s_attacker4, s_group4), s_group4, 255);
            Assert.NotNull(handler.WaitFor(p => p.Payload[2] == 2, TimeSpan.FromSeconds(3))); // alive again after the back-off
        }
    }

    [Fact]
    public async Task The_kernel_filter_drops_other_vrids_ttl_254_and_non_adverts_before_the_engine()
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        AddAttackerAddresses(net);
        await using var b = VrrpNetnsPair.RunIn(net.NamespaceB, () => (RawVrrpTransport)LinuxVrrpTransport.Create(new LinuxVrrpTransportOptions { InterfaceName = VrrpNetnsPair.Interface }));
        var handler = new RecordingHandler();
        await b.StartAsync(handler, TestContext.Current.CancellationToken);
        b.SetVirtualRouterIds([51]);
        var attacker = VrrpNetnsPair.RunIn(net.NamespaceA, () => new VrrpAttacker(VrrpNetnsPair.Interface, s_attacker4, IPAddress.Parse("fe80::66")));
        using (attacker)
        {
            attacker.Send4(VrrpAttacker.Advert(77, 100, s_attacker4, s_group4), s_group4, 255);   // other VRID
            attacker.Send4(VrrpAttacker.Advert(51, 255, s_attacker4, s_group4), s_group4, 254);  // TTL 254
            var type2 = VrrpAttacker.Advert(51, 100, s_attacker4, s_group4);
            type2[0] = 0x32;
            attacker.Send4(type2, s_group4, 255);                                                 // not an advert
            attacker.Send4(VrrpAttacker.Advert(51, 42, s_attacker4, s_group4), s_group4, 255);   // the one that passes
        }

        var got = handler.WaitFor(_ => true, TimeSpan.FromSeconds(3));
        Assert.NotNull(got);
        Assert.Equal(42, got.Payload[2]);
        Assert.Null(handler.WaitFor(_ => true, TimeSpan.FromMilliseconds(300)));
        Assert.Equal(1, b.PacketsReceived);
    }

    private static void AddAttackerAddresses(VrrpNetnsPair net)
    {
        Shell.Run("ip", "-n", net.NamespaceA, "addr", "add", "192.0.2.66/24", "dev", VrrpNetnsPair.Interface);
        Shell.Run("ip", "-n", net.NamespaceA, "addr", "add", "fe80::66/64", "dev", VrrpNetnsPair.Interface, "nodad");
    }


    private sealed record Node(IVirtualRouter Router, CountingBinder Binder);

    /// <summary>Runs the engine's codec check on what the transport delivers: good adverts and bad checksums apart.</summary>
    private sealed class GoodAdvertCounter : IVrrpPacketHandler
    {
        private int _count;
        private int _badChecksums;

        public int Count => Volatile.Read(ref _count);

        public int BadChecksums => Volatile.Read(ref _badChecksums);

        public void OnPacket(in VrrpReceivedPacket packet)
        {
            var context = new VrrpReceiveContext(packet.IsIPv6, packet.Ttl, packet.SourceAddress, packet.DestinationAddress)
            {
                ExpectedVersion = VrrpVersion.V3,
                ChecksumMode = VrrpChecksumMode.AcceptEither,
                ChecksumVerified = packet.ChecksumVerified,
            };
            if (VrrpCodec.TryRead(packet.Payload, context, out _, out var reason))
            {
                Interlocked.Increment(ref _count);
            }
            else if (reason == VrrpRejectReason.BadChecksum)
            {
                Interlocked.Increment(ref _badChecksums);
            }
        }
    }

    /// <summary>Times the adverts from the masters (priority 150) as a listener in the backup's namespace sees them.</summary>
    private sealed class AdvertGapRecorder : IVrrpPacketHandler
    {
        private readonly Lock _gate = new();
        private long _last4, _last6, _max4, _max6;

        public int Count { get; private set; }

        public void Reset()
        {
            lock (_gate)
            {
                _last4 = _last6 = _max4 = _max6 = 0;
                Count = 0;
            }
        }

        public TimeSpan MaxGap(bool ipv6)
        {
            lock (_gate)
            {
                return Stopwatch.GetElapsedTime(0, ipv6 ? _max6 : _max4);
            }
        }

        public void OnPacket(in VrrpReceivedPacket packet)
        {
            if (packet.Ttl != 255 || packet.Payload.Length < 8 || packet.Payload[2] != 150 || packet.Payload[0] != 0x31)
            {
                return;
            }

            long now = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                Count++;
                ref long last = ref packet.IsIPv6 ? ref _last6 : ref _last4;
                ref long max = ref packet.IsIPv6 ? ref _max6 : ref _max4;
                if (last != 0)
                {
                    max = Math.Max(max, now - last);
                }

                last = now;
            }
        }
    }

    /// <summary>Counts binder calls (a VIP move is a call).</summary>
    /// <summary>The real rtnetlink binder of the node's namespace, counting every add and remove (a VIP move).</summary>
    private sealed class CountingBinder(NetlinkVipBinder inner) : IVipBinder, IDisposable
    {
        private long _calls;

        public long Calls => Interlocked.Read(ref _calls);

        public ValueTask<bool> AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return inner.AddAsync(interfaceName, vip, options, cancellationToken);
        }

        public ValueTask<bool> RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return inner.RemoveAsync(interfaceName, vip, cancellationToken);
        }

        public ValueTask<IReadOnlyList<BoundAddress>> ListAsync(string interfaceName, CancellationToken cancellationToken = default) =>
            inner.ListAsync(interfaceName, cancellationToken);

        public ValueTask<IReadOnlyList<BoundAddress>> RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep = null, CancellationToken cancellationToken = default) =>
            inner.RemoveStaleAsync(interfaceName, keep, cancellationToken);

        public ValueTask<InterfaceInfo> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default) =>
            inner.GetInterfaceAsync(interfaceName, cancellationToken);

        public void Dispose() => inner.Dispose();
    }

    private sealed record ProbeLoss(int Sent4, int Lost4, int Sent6, int Lost6);

    /// <summary>Pings both VIPs from the client (ping -i 0.01: about every 10-16 ms) for <paramref name="seconds"/> s (ping's deadline); counts sent and lost.</summary>
    private static async Task<ProbeLoss> ProbeAsync(LabNode client, int seconds)
    {
        string deadline = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var timeout = TimeSpan.FromSeconds(seconds + 15);
        var v4 = NetnsLab.ExecAsync(client.Namespace, ["ping", "-q", "-n", "-i", "0.01", "-w", deadline, "192.0.2.100"], timeout, TestContext.Current.CancellationToken);
        var v6 = NetnsLab.ExecAsync(client.Namespace, ["ping", "-6", "-q", "-n", "-i", "0.01", "-w", deadline, "2001:db8::100"], timeout, TestContext.Current.CancellationToken);
        var (s4, l4) = Parse((await v4).StdOut);
        var (s6, l6) = Parse((await v6).StdOut);
        return new ProbeLoss(s4, l4, s6, l6);

        static (int Sent, int Lost) Parse(string output)
        {
            // "600 packets transmitted, 598 received, ..."
            var m = System.Text.RegularExpressions.Regex.Match(output, @"(\d+) packets transmitted, (\d+) (packets )?received");
            Assert.True(m.Success, $"ping output: {output}");
            int sent = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return (sent, sent - int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Counts log lines at Information and above.</summary>
    private sealed class CountingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public int Count => _lines.Count;

        public IEnumerable<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CountingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    owner._lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
                }
            }
        }
    }
}
