using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using VirtualIp.Vrrp;
using VirtualIp.Vrrp.Auth;

namespace VirtualIp.Benchmarks.Vrrp;

/// <summary>
/// Authenticated adverts (keepalived 2.4.3 auth_hmac): what signing adds to a send and verifying adds to a receive,
/// against the unsigned encode/decode in the same run. Verification runs the accepted path every time: four adverts
/// whose sequences are 2^62 apart, which RFC 1982 serial arithmetic orders as ever-growing, so none is a replay.
/// Run: dotnet run -c Release --project benchmarks/VirtualIp.Benchmarks -- --filter '*VrrpAuth*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class VrrpAuthBenchmarks
{
    private static readonly byte[] Vip4 = [192, 0, 2, 100];
    private static readonly byte[] Src4 = [192, 0, 2, 11];
    private static readonly byte[] Group4 = [224, 0, 0, 18];
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    private readonly byte[] _buffer = new byte[64];
    private readonly byte[][] _signed = new byte[4][];
    private readonly byte[] _unsigned = new byte[12];
    private readonly byte[] _hmacInput = new byte[20 + 12 + 28];
    private readonly byte[] _digest = new byte[32];
    private VrrpAuthenticator _signer = null!;
    private VrrpAuthenticator _verifier = null!;
    private int _next;

    /// <summary>Prepares the authenticators and the signed adverts.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var keys = VrrpAuthKeyRing.Create(1, (1, Key));
        _signer = new VrrpAuthenticator(keys, VrrpAuthHmacMode.Enforce, VrrpAntiReplay.Time, 5, false, VrrpVersion.V3, 51, 0, TimeProvider.System);
        _verifier = new VrrpAuthenticator(keys, VrrpAuthHmacMode.Enforce, VrrpAntiReplay.Monotonic, 0, false, VrrpVersion.V3, 51, 0, TimeProvider.System);
        var message = new VrrpMessage(VrrpVersion.V3, 51, 150, 100, false, Vip4);
        VrrpCodec.Write(_unsigned, message, Src4, Group4);
        for (int i = 0; i < _signed.Length; i++)
        {
            _signed[i] = new byte[12 + VrrpAuthTrailer.Length];
            int n = VrrpCodec.Write(_signed[i], message, Src4, Group4);
            _signer.Sign(_signed[i], n, Src4, 1, (ulong)i << 62);
        }

        for (int i = 0; i < 8; i++)
        {
            if (DecodeAndVerify() != 150)
            {
                throw new InvalidOperationException("the verified path is not the accepted one");
            }
        }
    }

    /// <summary>Releases the HMAC contexts.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _signer.Dispose();
        _verifier.Dispose();
    }

    /// <summary>Unsigned VRRPv3 IPv4 encode (what a send costs without auth_hmac).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Send")]
    public int Encode() => VrrpCodec.Write(_buffer, new VrrpMessage(VrrpVersion.V3, 51, 150, 100, false, Vip4), Src4, Group4);

    /// <summary>Encode and sign: sequence from the clock, trailer, HMAC-SHA256 over pseudo header + message + trailer.</summary>
    [Benchmark]
    [BenchmarkCategory("Send")]
    public int EncodeAndSign()
    {
        int n = VrrpCodec.Write(_buffer, new VrrpMessage(VrrpVersion.V3, 51, 150, 100, false, Vip4), Src4, Group4);
        return _signer.Sign(_buffer, n, Src4);
    }

    /// <summary>Unsigned decode and validation (what a receive costs without auth_hmac).</summary>
    [Benchmark]
    [BenchmarkCategory("Receive")]
    public int Decode() =>
        VrrpCodec.TryRead(_unsigned, new VrrpReceiveContext(false, 255, Src4, Group4), out var m, out _) ? m.Priority : -1;

    /// <summary>Split off the trailer, decode, verify the HMAC and the per-sender sequence (accepted).</summary>
    [Benchmark]
    [BenchmarkCategory("Receive")]
    public int DecodeAndVerify()
    {
        var packet = _signed[_next++ & 3];
        VrrpAuthTrailer.TrySplit(packet, false, out var message, out var trailer);
        return VrrpCodec.TryRead(message, new VrrpReceiveContext(false, 255, Src4, Group4), out var m, out _) &&
               _verifier.Verify(message, trailer, Src4) == VrrpRejectReason.None ? m.Priority : -1;
    }

    /// <summary>For comparison: one-shot HMACSHA256.HashData over the same 60 bytes (re-keys every call).</summary>
    [Benchmark]
    [BenchmarkCategory("Hmac")]
    public int OneShotHmacSha256() => HMACSHA256.HashData(Key, _hmacInput, _digest);
}
