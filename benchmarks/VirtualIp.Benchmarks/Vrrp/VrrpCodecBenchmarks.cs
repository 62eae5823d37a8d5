using System.Net;
using BenchmarkDotNet.Attributes;
using VirtualIp.Frames;
using VirtualIp.Vrrp;

namespace VirtualIp.Benchmarks.Vrrp;

/// <summary>VRRP message encode and decode (payload only, checksums included).</summary>
[MemoryDiagnoser]
public class VrrpCodecBenchmarks
{
    private static readonly byte[] Vip4 = [192, 0, 2, 100];
    private static readonly byte[] Src4 = [192, 0, 2, 11];
    private static readonly byte[] Group4 = [224, 0, 0, 18];
    private static readonly byte[] Vip6 = IPAddress.Parse("2001:db8::100").GetAddressBytes();
    private static readonly byte[] Src6 = IPAddress.Parse("fe80::ff:fe00:1").GetAddressBytes();
    private static readonly byte[] Group6 = IPAddress.Parse("ff02::12").GetAddressBytes();
    private static readonly byte[] Password = "secret12"u8.ToArray();

    private readonly byte[] _buffer = new byte[64];
    private readonly byte[] _v3IPv4 = new byte[12];
    private readonly byte[] _v3IPv6 = new byte[24];
    private readonly byte[] _v2 = new byte[20];

    /// <summary>Prepares encoded messages to decode.</summary>
    [GlobalSetup]
    public void Setup()
    {
        VrrpCodec.Write(_v3IPv4, new VrrpMessage(VrrpVersion.V3, 51, 150, 100, false, Vip4), Src4, Group4);
        VrrpCodec.Write(_v3IPv6, new VrrpMessage(VrrpVersion.V3, 52, 150, 100, true, Vip6), Src6, Group6);
        VrrpCodec.Write(_v2, new VrrpMessage(VrrpVersion.V2, 51, 150, 100, false, Vip4, VrrpAuthType.SimpleText, Password), Src4, Group4);
    }

    /// <summary>VRRPv3 IPv4 with the pseudo-header checksum.</summary>
    [Benchmark]
    public int EncodeV3IPv4() => VrrpCodec.Write(_buffer, new VrrpMessage(VrrpVersion.V3, 51, 150, 100, false, Vip4), Src4, Group4);

    /// <summary>VRRPv3 IPv6.</summary>
    [Benchmark]
    public int EncodeV3IPv6() => VrrpCodec.Write(_buffer, new VrrpMessage(VrrpVersion.V3, 52, 150, 100, true, Vip6), Src6, Group6);

    /// <summary>VRRPv2 with a simple-text password.</summary>
    [Benchmark]
    public int EncodeV2Auth() =>
        VrrpCodec.Write(_buffer, new VrrpMessage(VrrpVersion.V2, 51, 150, 100, false, Vip4, VrrpAuthType.SimpleText, Password), Src4, Group4);

    /// <summary>Decode and validate VRRPv3 IPv4 (either checksum form).</summary>
    [Benchmark]
    public int DecodeV3IPv4() =>
        VrrpCodec.TryRead(_v3IPv4, new VrrpReceiveContext(false, 255, Src4, Group4), out var m, out _) ? m.Priority : -1;

    /// <summary>Decode and validate VRRPv3 IPv6.</summary>
    [Benchmark]
    public int DecodeV3IPv6() =>
        VrrpCodec.TryRead(_v3IPv6, new VrrpReceiveContext(true, 255, Src6, Group6), out var m, out _) ? m.Priority : -1;

    /// <summary>Decode and validate VRRPv2 with a password.</summary>
    [Benchmark]
    public int DecodeV2Auth() =>
        VrrpCodec.TryRead(_v2, new VrrpReceiveContext(false, 255, Src4, Group4) { AuthType = VrrpAuthType.SimpleText, AuthData = Password }, out var m, out _)
            ? m.Priority : -1;

    /// <summary>The Internet checksum over a 1500-byte packet.</summary>
    [Benchmark]
    public ushort Checksum1500() => InternetChecksum.Compute(Mtu);

    private static readonly byte[] Mtu = CreateMtu();

    private static byte[] CreateMtu()
    {
        var b = new byte[1500];
        new Random(1).NextBytes(b);
        return b;
    }
}
