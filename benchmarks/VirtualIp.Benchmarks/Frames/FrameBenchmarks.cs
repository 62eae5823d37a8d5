using System.Net;
using System.Net.NetworkInformation;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using VirtualIp.Addressing;
using VirtualIp.Frames;
using VirtualIp.Vrrp;
using Pd = PacketDotNet;

namespace VirtualIp.Benchmarks.Frames;

/// <summary>
/// Our frame builders against PacketDotNet building the same frame (the baseline of each category), plus our parsers.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class FrameBenchmarks
{
    private static readonly byte[] Vip4 = [192, 0, 2, 100];
    private static readonly byte[] Src4 = [192, 0, 2, 11];
    private static readonly byte[] Vip6 = IPAddress.Parse("2001:db8::100").GetAddressBytes();
    private static readonly MacAddress Mac = MacAddress.Parse("02:00:00:00:00:01");

    private readonly byte[] _buffer = new byte[256];
    private readonly IPAddress _vip4 = IPAddress.Parse("192.0.2.100");
    private readonly IPAddress _src4 = IPAddress.Parse("192.0.2.11");
    private readonly IPAddress _group4 = IPAddress.Parse("224.0.0.18");
    private readonly IPAddress _vip6 = IPAddress.Parse("2001:db8::100");
    private readonly PhysicalAddress _mac = PhysicalAddress.Parse("02-00-00-00-00-01");
    private readonly PhysicalAddress _broadcast = PhysicalAddress.Parse("FF-FF-FF-FF-FF-FF");
    private readonly PhysicalAddress _vrrpMac = PhysicalAddress.Parse("01-00-5E-00-00-12");
    private byte[] _naTemplate = [];
    private byte[] _vrrpPayload = [];
    private byte[] _garp = [];
    private byte[] _na = [];
    private byte[] _vrrpFrame = [];

    /// <summary>Prepares the PacketDotNet NA template, the VRRP payload and frames to parse.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _naTemplate = new byte[Ndp.NeighborAdvertisementFrameLength];
        Ndp.WriteUnsolicitedNeighborAdvertisement(_naTemplate, MacAddress.Parse("02:00:00:00:00:99"), new byte[16]);
        _vrrpPayload = new byte[12];
        VrrpCodec.Write(_vrrpPayload, new VrrpMessage(VrrpVersion.V3, 51, 150, 100, false, Vip4), Src4, VrrpFrame.IPv4MulticastGroup);
        _garp = new byte[Arp.FrameLength];
        Arp.WriteGratuitousRequest(_garp, Mac, Vip4);
        _na = new byte[Ndp.NeighborAdvertisementFrameLength];
        Ndp.WriteUnsolicitedNeighborAdvertisement(_na, Mac, Vip6);
        _vrrpFrame = new byte[46];
        WriteVrrpIPv4();
        _buffer.AsSpan(0, 46).CopyTo(_vrrpFrame);
    }

    /// <summary>PacketDotNet's natural API: EthernetPacket + ArpPacket, then Bytes.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("GARP")]
    public byte[] PacketDotNetGarp()
    {
        var eth = new Pd.EthernetPacket(_mac, _broadcast, Pd.EthernetType.Arp)
        {
            PayloadPacket = new Pd.ArpPacket(Pd.ArpOperation.Request, _broadcast, _vip4, _mac, _vip4),
        };
        return eth.Bytes;
    }

    /// <summary>Our gratuitous ARP request (keepalived layout).</summary>
    [Benchmark]
    [BenchmarkCategory("GARP")]
    public int WriteGarp() => Arp.WriteGratuitousRequest(_buffer, Mac, Vip4);

    /// <summary>
    /// PacketDotNet cannot compose a valid NA; its working path wraps an 86-byte template, sets the fields,
    /// recomputes the ICMPv6 checksum and uses the underlying buffer.
    /// </summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("NA")]
    public byte[] PacketDotNetNaTemplate()
    {
        var buf = (byte[])_naTemplate.Clone();
        var eth = new Pd.EthernetPacket(new Pd.Utils.ByteArraySegment(buf)) { SourceHardwareAddress = _mac };
        var ip = eth.Extract<Pd.IPv6Packet>();
        ip.SourceAddress = _vip6;
        var na = eth.Extract<Pd.NdpNeighborAdvertisementPacket>();
        na.TargetAddress = _vip6;
        na.Override = true;
        eth.Extract<Pd.IcmpV6Packet>().UpdateIcmpChecksum();
        return buf;
    }

    /// <summary>Our unsolicited NA with its ICMPv6 checksum.</summary>
    [Benchmark]
    [BenchmarkCategory("NA")]
    public int WriteNa() => Ndp.WriteUnsolicitedNeighborAdvertisement(_buffer, Mac, Vip6);

    /// <summary>PacketDotNet: EthernetPacket + IPv4Packet with the VRRP message as raw payload (precomputed once).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("VRRPv4")]
    public byte[] PacketDotNetVrrpIPv4()
    {
        var ip = new Pd.IPv4Packet(_src4, _group4)
        {
            Protocol = (Pd.ProtocolType)112,
            TimeToLive = 255,
            TypeOfService = 0xC0,
            Id = 1,
            PayloadData = _vrrpPayload,
        };
        ip.UpdateIPChecksum();
        var eth = new Pd.EthernetPacket(_mac, _vrrpMac, Pd.EthernetType.IPv4) { PayloadPacket = ip };
        return eth.Bytes;
    }

    /// <summary>Our whole VRRPv3 IPv4 advertisement frame, VRRP message and both checksums included.</summary>
    [Benchmark]
    [BenchmarkCategory("VRRPv4")]
    public int WriteVrrpIPv4() =>
        VrrpFrame.WriteIPv4(_buffer, Mac, VrrpFrame.IPv4MulticastMac, Src4, VrrpFrame.IPv4MulticastGroup,
            new VrrpMessage(VrrpVersion.V3, 51, 150, 100, false, Vip4), identification: 1);

    /// <summary>Parse and validate a gratuitous ARP.</summary>
    [Benchmark]
    [BenchmarkCategory("Parse")]
    public bool ParseGarp() => Arp.TryParse(_garp, out _, out _);

    /// <summary>Parse and validate an NA (checksum, options).</summary>
    [Benchmark]
    [BenchmarkCategory("Parse")]
    public bool ParseNa() => Ndp.TryParse(_na, out _, out _);

    /// <summary>Parse and validate a whole VRRPv3 IPv4 frame (IP checksum, VRRP pseudo-header checksum).</summary>
    [Benchmark]
    [BenchmarkCategory("Parse")]
    public bool ParseVrrpIPv4() => VrrpFrame.TryParse(_vrrpFrame, default, out _, out _);
}
