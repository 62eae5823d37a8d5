using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using VirtualIp.Election;
using VirtualIp.Linux.Vrrp;
using VirtualIp.Linux.Interop;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Vrrp;

/// <summary>The raw-socket VRRP transport between two fresh network namespaces.</summary>
public sealed class RawVrrpTransportTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(5);
    private static readonly IPAddress s_a4 = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress s_b4 = IPAddress.Parse("192.0.2.2");

    private static RawVrrpTransport Open(string ns, bool ipv6, params IPAddress[] peers) =>
        VrrpNetnsPair.RunIn(ns, () =>
        {
            var options = new LinuxVrrpTransportOptions { InterfaceName = VrrpNetnsPair.Interface, IsIPv6 = ipv6 };
            foreach (var p in peers)
            {
                options.UnicastPeers.Add(p);
            }

            return (RawVrrpTransport)LinuxVrrpTransport.Create(options);
        });

    [Fact]
    public async Task IPv4_multicast_arrives_with_ttl_255_source_and_group()
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        await using var a = Open(net.NamespaceA, ipv6: false);
        await using var b = Open(net.NamespaceB, ipv6: false);
        var handler = new RecordingHandler();
        await b.StartAsync(handler, TestContext.Current.CancellationToken);

        Assert.Equal(s_a4, a.LocalAddress);
        Assert.Equal([IPAddress.Parse("224.0.0.18")], a.Destinations);
        var payload = VrrpBytes.V3Advert(51, 100, 100, s_a4.GetAddressBytes(), s_a4.GetAddressBytes(), [224, 0, 0, 18]);
        a.Send(payload, 0);

        var got = handler.WaitFor(p => p.Payload.AsSpan().SequenceEqual(payload), s_wait);
        Assert.NotNull(got);
        Assert.Equal(s_a4, got.Source);
        Assert.Equal(IPAddress.Parse("224.0.0.18"), got.Destination);
        Assert.Equal(255, got.Ttl);
        Assert.False(got.IsIPv6);
        Assert.False(got.ChecksumVerified);
        Assert.Equal(0, b.InvalidTtlPackets);
    }

    [Fact]
    public async Task IPv4_unicast_peer_arrives_with_ttl_255()
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        await using var a = Open(net.NamespaceA, ipv6: false, s_b4);
        await using var b = Open(net.NamespaceB, ipv6: false, s_a4);
        var handler = new RecordingHandler();
        await b.StartAsync(handler, TestContext.Current.CancellationToken);

        Assert.Equal([s_b4], a.Destinations);
        var payload = VrrpBytes.V3Advert(51, 100, 100, s_a4.GetAddressBytes(), s_a4.GetAddressBytes(), s_b4.GetAddressBytes());
        a.Send(payload, 0);

        var got = handler.WaitFor(p => p.Payload.AsSpan().SequenceEqual(payload), s_wait);
        Assert.NotNull(got);
        Assert.Equal(s_a4, got.Source);
        Assert.Equal(s_b4, got.Destination);
        Assert.Equal(255, got.Ttl);
    }

    [Fact]
    public async Task IPv6_multicast_has_hop_limit_255_from_recvmsg_and_kernel_checksum()
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        await using var a = Open(net.NamespaceA, ipv6: true);
        await using var b = Open(net.NamespaceB, ipv6: true);
        var handler = new RecordingHandler();
        await b.StartAsync(handler, TestContext.Current.CancellationToken);

        var linkLocalA = IPAddress.Parse(net.LinkLocal(net.NamespaceA));
        Assert.True(a.LocalAddress.IsIPv6LinkLocal);
        Assert.Equal(linkLocalA.GetAddressBytes(), a.LocalAddress.GetAddressBytes());
        Assert.Equal(a.InterfaceIndex, (int)a.LocalAddress.ScopeId);

        // Checksum left 0: the kernel fills it in (IPV6_CHECKSUM) and verifies it on receive.
        var payload = VrrpBytes.V3Advert(52, 100, 100, IPAddress.Parse("2001:db8::100").GetAddressBytes());
        a.Send(payload, 0);

        var got = handler.WaitFor(p => p.Payload.Length == payload.Length && p.Payload[1] == 52, s_wait);
        Assert.NotNull(got);
        Assert.Equal(linkLocalA.GetAddressBytes(), got.Source.GetAddressBytes());
        Assert.Equal(IPAddress.Parse("ff02::12"), got.Destination);
        Assert.Equal(255, got.Ttl);
        Assert.True(got.IsIPv6);
        Assert.False(got.ChecksumVerified); // the engine verifies: veth marks packets CHECKSUM_UNNECESSARY and the kernel skips them
        Assert.NotEqual(0, BinaryPrimitives.ReadUInt16BigEndian(got.Payload.AsSpan(6)));
        Assert.Equal(0, VrrpBytes.Checksum(got.Payload, got.Source.GetAddressBytes(), got.Destination.GetAddressBytes()));
        Assert.Equal(payload.AsSpan(8).ToArray(), got.Payload.AsSpan(8).ToArray());
    }

    [Fact]
    public async Task IPv6_unicast_to_link_local_peer()
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        var llA = IPAddress.Parse(net.LinkLocal(net.NamespaceA));
        var llB = IPAddress.Parse(net.LinkLocal(net.NamespaceB));
        await using var a = Open(net.NamespaceA, ipv6: true, llB);
        await using var b = Open(net.NamespaceB, ipv6: true, llA);
        var handler = new RecordingHandler();
        await b.StartAsync(handler, TestContext.Current.CancellationToken);

        var payload = VrrpBytes.V3Advert(53, 100, 100, IPAddress.Parse("2001:db8::100").GetAddressBytes());
        a.Send(payload, 0);

        var got = handler.WaitFor(p => p.Payload.Length == payload.Length && p.Payload[1] == 53, s_wait);
        Assert.NotNull(got);
        Assert.Equal(llA.GetAddressBytes(), got.Source.GetAddressBytes());
        Assert.Equal(llB.GetAddressBytes(), got.Destination.GetAddressBytes());
        Assert.Equal(255, got.Ttl);
    }

    [Fact]
    public async Task IPv4_packet_sent_with_ttl_1_is_reported_with_ttl_1_and_counted()
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        // Strict mode's kernel filter would drop it before the engine; this test is about what the transport reports.
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new VirtualIp.Linux.Diagnostics.LinuxMetrics(services.GetRequiredService<IMeterFactory>());
        await using var b = VrrpNetnsPair.RunIn(net.NamespaceB, () => LinuxVrrpTransport.Create(
            new LinuxVrrpTransportOptions { InterfaceName = VrrpNetnsPair.Interface, StrictTtl = false }, null, null, metrics));
        var handler = new RecordingHandler();
        long metricTtl = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == VirtualIp.Diagnostics.VirtualIpMeters.Linux && i.Name == "virtualip.vrrp.transport.invalid_ttl")
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            foreach (var t in tags)
            {
                if (t.Key == "network.interface.name" && (string?)t.Value == VrrpNetnsPair.Interface)
                {
                    Interlocked.Add(ref metricTtl, v);
                }
            }
        });
        listener.Start();
        await b.StartAsync(handler, TestContext.Current.CancellationToken);

        // A plain raw socket with multicast TTL 1, as a misconfigured or off-link sender would produce.
        using var raw = VrrpNetnsPair.RunIn(net.NamespaceA, () =>
        {
            var fd = LibC.CreateVrrpSocket(ipv6: false, out var errno);
            Assert.True(fd >= 0, $"socket errno {errno}");
            var s = new Socket(new SafeSocketHandle(fd, true));
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface,
                IPAddress.HostToNetworkOrder((int)LibC.IfNameToIndex(VrrpNetnsPair.Interface)));
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 1);
            return s;
        });
        var payload = VrrpBytes.V3Advert(54, 100, 100, s_a4.GetAddressBytes(), s_a4.GetAddressBytes(), [224, 0, 0, 18]);
        raw.SendTo(payload, new IPEndPoint(IPAddress.Parse("224.0.0.18"), 0));

        var got = handler.WaitFor(p => p.Payload.AsSpan().SequenceEqual(payload), s_wait);
        Assert.NotNull(got);
        Assert.Equal(1, got.Ttl);
        Assert.Equal(1, b.InvalidTtlPackets);
        Assert.True(Interlocked.Read(ref metricTtl) >= 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Send_allocates_nothing(bool ipv6)
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        await using var a = Open(net.NamespaceA, ipv6);
        var payload = VrrpBytes.V3Advert(55, 100, 100, new byte[ipv6 ? 16 : 4]);
        for (var i = 0; i < 100; i++)
        {
            a.Send(payload, 0);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            a.Send(payload, 0);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(0, a.SendErrors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Receive_allocates_nothing_per_packet(bool ipv6)
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        await using var a = Open(net.NamespaceA, ipv6);
        await using var b = Open(net.NamespaceB, ipv6);
        var handler = new CountingHandler();
        b.Attach(handler); // no loop: this thread drains, so the thread's allocation counter sees all receive work
        var payload = VrrpBytes.V3Advert(56, 100, 100, new byte[ipv6 ? 16 : 4]);

        int Send(int n)
        {
            for (var i = 0; i < n; i++)
            {
                a.Send(payload, 0);
            }

            return n;
        }

        // Drains until the handler has seen everything sent (poll with a deadline, no fixed sleep): only the
        // drains are measured, never the waits between them.
        long DrainUntil(int count)
        {
            long bytes = 0;
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                b.DrainReceiveQueue();
                bytes += GC.GetAllocatedBytesForCurrentThread() - before;
                if (handler.Count >= count || deadline.Elapsed > TimeSpan.FromSeconds(10))
                {
                    return bytes;
                }

                Thread.Sleep(1);
            }
        }

        var expected = Send(10);
        DrainUntil(expected);
        long allocated = 0;
        for (var round = 0; round < 10; round++)
        {
            expected += Send(50);
            allocated += DrainUntil(expected);
        }

        Assert.Equal(expected, handler.Count);
        Assert.Equal(payload.Length, handler.LastLength);
        Assert.Equal(255, handler.LastTtl);
        Assert.Equal(0, allocated);
    }

    /// <summary>
    /// The backlog the engine polls before a takeover (FIONREAD on the raw socket): true while an advert waits unread,
    /// false once the queue is drained, on both families (IPv6 with the kernel's checksum offset set).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_receive_backlog_shows_an_unread_advert_until_it_is_read(bool ipv6)
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        await using var a = Open(net.NamespaceA, ipv6);
        await using var b = Open(net.NamespaceB, ipv6);
        var handler = new CountingHandler();
        b.Attach(handler); // no loop: nothing reads the socket but this test
        Assert.False(b.HasPendingInput);

        a.Send(VrrpBytes.V3Advert(58, 100, 100, new byte[ipv6 ? 16 : 4]), 0);
        var deadline = Stopwatch.StartNew();
        while (!b.HasPendingInput && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(1);
        }

        Assert.True(b.HasPendingInput, "the advert never showed in the receive queue");
        Assert.Equal(0, handler.Count);
        Assert.Equal(1, b.DrainReceiveQueue());
        Assert.Equal(1, handler.Count);
        Assert.False(b.HasPendingInput);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Adverts_arrive_in_order_well_within_the_minimum_advert_interval(bool ipv6)
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        await using var a = Open(net.NamespaceA, ipv6);
        await using var b = Open(net.NamespaceB, ipv6);
        const int count = 200;
        var sent = new long[count];
        var handler = new TimestampHandler(count);
        await b.StartAsync(handler, TestContext.Current.CancellationToken);
        var payload = VrrpBytes.V3Advert(57, 100, 100, new byte[ipv6 ? 16 : 4]);
        for (var i = 0; i < count; i++)
        {
            payload[3] = 1;
            payload[ipv6 ? 23 : 11] = (byte)i; // sequence in the last address byte
            sent[i] = Stopwatch.GetTimestamp();
            a.Send(payload, 0);
            Thread.Sleep(2);
        }

        Assert.True(handler.AllReceived.Wait(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken), $"received {handler.Received} of {count}");
        const int warmup = 20; // JIT and first-use costs are not steady state
        var micros = Enumerable.Range(warmup, count - warmup).Select(i => Stopwatch.GetElapsedTime(sent[i], handler.Arrived[i]).TotalMicroseconds).Order().ToArray();
        output.WriteLine($"{(ipv6 ? "IPv6" : "IPv4")} send -> handler over veth: p50 {micros[micros.Length / 2]:F0} us, p99 {micros[micros.Length * 99 / 100]:F0} us, max {micros[^1]:F0} us");
        // VRRPv3's shortest advert interval is 1 centisecond (RFC 9568 5.2.7): the receive path must deliver the
        // typical advert in well under that, or a backup at the minimum interval would see its master late.
        Assert.InRange(micros[micros.Length / 2], 0, 10_000);
        for (var i = 1; i < count; i++)
        {
            Assert.True(handler.Arrived[i] >= handler.Arrived[i - 1], $"advert {i} arrived before advert {i - 1}");
        }
    }

    private sealed class TimestampHandler(int count) : IVrrpPacketHandler
    {
        public readonly long[] Arrived = new long[count];
        public readonly ManualResetEventSlim AllReceived = new();
        public int Received;

        public void OnPacket(in VrrpReceivedPacket packet)
        {
            var now = Stopwatch.GetTimestamp();
            var i = packet.Payload[^1];
            if (packet.Payload[1] == 57 && i < Arrived.Length && Arrived[i] == 0)
            {
                Arrived[i] = now;
                if (++Received == Arrived.Length)
                {
                    AllReceived.Set();
                }
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DisposeAsync_returns_promptly_while_waiting_for_packets(bool ipv6)
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        var b = Open(net.NamespaceB, ipv6);
        await b.StartAsync(new RecordingHandler(), TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);

        var sw = Stopwatch.StartNew();
        await b.DisposeAsync();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"dispose took {sw.Elapsed}");
        Assert.Throws<ObjectDisposedException>(() => b.Send(new byte[8], 0));
    }

    [Fact]
    public void Missing_interface_is_named_with_ENODEV()
    {
        TestEnvironment.RequireRootAndTools("ip");
        using var net = VrrpNetnsPair.Create();
        var ex = Assert.Throws<InvalidOperationException>(() => VrrpNetnsPair.RunIn(net.NamespaceA, () =>
            LinuxVrrpTransport.Create(new LinuxVrrpTransportOptions { InterfaceName = "nosuch0" })));
        var inner = Assert.IsType<VrrpTransportException>(ex.InnerException);
        Assert.Equal(19, inner.ErrorCode);
        Assert.Equal("nosuch0", inner.InterfaceName);
        Assert.Contains("'nosuch0'", inner.Message, StringComparison.Ordinal);
    }
}
