using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Binding;
using VirtualIp.Frames;

namespace VirtualIp.Tests.Announcing;

public sealed class VipAnnouncerTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("02:00:00:00:00:02");

    [Fact]
    public async Task Default_schedule_is_keepalived_five_now_five_after_five_seconds()
    {
        var (announcer, sender, time) = Create(new AnnouncerOptions());
        // Driven by the fake clock alone: the first burst is sent inside Start, each later frame inside the
        // Advance that makes it due (timer callbacks and the announcer's continuations run on the advancing thread),
        // so a count read right after Advance is final: no real waiting, and "nothing more" is exact.
        using var handle = announcer.Start("eth0", [VipAddress.Parse("192.0.2.100/24")]);
        Assert.Equal(5, sender.Frames.Count);
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(5, sender.Frames.Count);
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(10, sender.Frames.Count); // the second burst, five seconds after the first
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(10, sender.Frames.Count); // no refresh configured: nothing more, ever
        await Task.CompletedTask;
        Assert.All(sender.Frames, f => Assert.Equal("arp-req 192.0.2.100 02:00:00:00:00:02 Broadcast", f));
    }

    [Fact]
    public async Task Refresh_repeats_until_disposed_and_ipv6_uses_na()
    {
        var (announcer, sender, time) = Create(new AnnouncerOptions { BurstCount = 1, SecondBurstDelay = TimeSpan.Zero, RefreshInterval = TimeSpan.FromSeconds(60), NeighborAdvertisementRouterFlag = true });
        var handle = announcer.Start("eth0", [VipAddress.Parse("2001:db8::100/64")], MacAddress.ForVirtualRouter(52, ipv6: true));
        Assert.Single(sender.Frames);
        for (int i = 2; i <= 4; i++)
        {
            time.Advance(TimeSpan.FromSeconds(59.999));
            Assert.Equal(i - 1, sender.Frames.Count);
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(i, sender.Frames.Count);
        }

        handle.Dispose();
        time.Advance(TimeSpan.FromSeconds(600));
        Assert.Equal(4, sender.Frames.Count); // disposed: no refresh after that
        await Task.CompletedTask;
        Assert.All(sender.Frames, f => Assert.Equal("na 2001:db8::100 00:00:5e:00:02:34 router", f));
    }

    [Theory]
    [InlineData(ArpAnnouncementMode.Both, "arp-req,arp-rep,arp-req,arp-rep")]
    [InlineData(ArpAnnouncementMode.Alternating, "arp-req,arp-rep")]
    [InlineData(ArpAnnouncementMode.Reply, "arp-rep,arp-rep")]
    public async Task Arp_modes_pick_the_operation(ArpAnnouncementMode mode, string expected)
    {
        var (announcer, sender, _) = Create(new AnnouncerOptions { BurstCount = 2, SecondBurstDelay = TimeSpan.Zero, ArpMode = mode, ArpTargetHardware = ArpTargetHardwareAddress.Sender });
        using var handle = announcer.Start("eth0", [VipAddress.Parse("192.0.2.100/24")]);
        await Task.CompletedTask;
        Assert.Equal(expected, string.Join(',', sender.Frames.Select(f => f.Split(' ')[0])));
    }

    [Fact]
    public async Task Spacing_paces_frames_of_a_burst()
    {
        var (announcer, sender, time) = Create(new AnnouncerOptions { BurstCount = 3, FrameSpacing = TimeSpan.FromMilliseconds(200), SecondBurstDelay = TimeSpan.Zero });
        using var handle = announcer.Start("eth0", [VipAddress.Parse("192.0.2.100/24")]);
        Assert.Single(sender.Frames);
        time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Single(sender.Frames); // exact: the fake clock drives every send (see the default schedule test)
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, sender.Frames.Count);
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(3, sender.Frames.Count);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(3, sender.Frames.Count);
        await Task.CompletedTask;
    }

    [Fact]
    public void Real_frames_are_keepalived_frames()
    {
        var frames = new AnnouncementFrames();
        Span<byte> buffer = stackalloc byte[frames.MaxFrameLength];
        int n = frames.WriteArp(buffer, MacAddress.Parse("02:00:00:00:00:01"), [192, 0, 2, 100], false, ArpTargetHardwareAddress.Broadcast);
        Assert.Equal(42, n);
        Assert.Equal(Convert.FromHexString("ffffffffffff020000000001080600010800060400010200000000" + "01c0000264ffffffffffffc0000264"), buffer[..n].ToArray());
        n = frames.WriteNeighborAdvertisement(buffer, MacAddress.Parse("02:00:00:00:00:01"), IPAddress.Parse("2001:db8::100").GetAddressBytes(), router: false);
        Assert.Equal(86, n);
        Assert.Equal(Convert.FromHexString("33330000000102000000000186dd6000000000203aff20010db8000000000000000000000100ff020000000000000000000000000001" +
            "8800f72c2000000020010db80000000000000000000001000201020000000001"), buffer[..n].ToArray());
    }

    private static (VipAnnouncer, RecordingSender, FakeTimeProvider) Create(AnnouncerOptions options)
    {
        var sender = new RecordingSender();
        var time = new FakeTimeProvider();
        var announcer = new VipAnnouncer(new SenderFactory(sender), new StubBinder(), new TextFrames(), new StaticOptions(options), time);
        return (announcer, sender, time);
    }

    internal static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 10 s");
            await Task.Delay(2);
        }
    }

    private sealed class StaticOptions(AnnouncerOptions value) : IOptionsMonitor<AnnouncerOptions>
    {
        public AnnouncerOptions CurrentValue => value;
        public AnnouncerOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<AnnouncerOptions, string?> listener) => null;
    }

    private sealed class TextFrames : IAnnouncementFrames
    {
        public int MaxFrameLength => 128;

        public int WriteArp(Span<byte> destination, MacAddress source, ReadOnlySpan<byte> vip, bool reply, ArpTargetHardwareAddress targetHardware) =>
            Write(destination, $"{(reply ? "arp-rep" : "arp-req")} {new IPAddress(vip)} {source} {targetHardware}");

        public int WriteNeighborAdvertisement(Span<byte> destination, MacAddress source, ReadOnlySpan<byte> vip, bool router) =>
            Write(destination, $"na {new IPAddress(vip)} {source}{(router ? " router" : "")}");

        private static int Write(Span<byte> d, string s) => System.Text.Encoding.ASCII.GetBytes(s, d);
    }

    private sealed class RecordingSender : IFrameSender
    {
        public ConcurrentQueue<string> Frames { get; } = new();
        public string InterfaceName => "eth0";
        public void Send(ReadOnlySpan<byte> frame) => Frames.Enqueue(System.Text.Encoding.ASCII.GetString(frame));
        public void Dispose() { }
    }

    private sealed class SenderFactory(IFrameSender sender) : IFrameSenderFactory
    {
        public IFrameSender Create(string interfaceName) => sender;
    }

    private sealed class StubBinder : IVipBinder
    {
        public ValueTask<bool> AddAsync(string interfaceName, VipAddress vip, VipBindOptions? options = null, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);
        public ValueTask<bool> RemoveAsync(string interfaceName, VipAddress vip, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);
        public ValueTask<IReadOnlyList<BoundAddress>> ListAsync(string interfaceName, CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<BoundAddress>>([]);
        public ValueTask<IReadOnlyList<BoundAddress>> RemoveStaleAsync(string interfaceName, IReadOnlyCollection<VipAddress>? keep = null, CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<BoundAddress>>([]);
        public ValueTask<InterfaceInfo> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new InterfaceInfo(interfaceName, 2, Mac, 1500, true, null, null));
    }
}
