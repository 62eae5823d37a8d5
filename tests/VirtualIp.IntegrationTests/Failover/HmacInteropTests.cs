using System.Globalization;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Testing;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// samples/VirtualIp.Failover and keepalived 2.4.3 (the release with <c>auth_hmac</c>; its path in KEEPALIVED_HMAC_BIN)
/// in one virtual router with <c>mode enforce</c>, each in both roles, IPv4 and IPv6, multicast and unicast: they elect by priority, stay
/// stable (every advert verified on both sides: no drop logged), and rotate from key 1 to key 2 mid-run (master first,
/// then backup, each by reload + SIGHUP) without a state change; the key id on the wire follows.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class HmacInteropTests
{
    private const string Key1Hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private const string Key2Text = "vrrp-hmac-test-key-two-0123456789abcdef";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The keepalived 2.4.3 binary, or a skip with the reason.</summary>
    internal static string KeepalivedHmacBinary()
    {
        string? bin = Environment.GetEnvironmentVariable("KEEPALIVED_HMAC_BIN");
        TestEnvironment.Require(!string.IsNullOrEmpty(bin),
            "KEEPALIVED_HMAC_BIN is not set: build keepalived 2.4.3 (auth_hmac) from source and set it to the binary's path; .ci/run builds it with the build script of the shared reference material");
        TestEnvironment.Require(File.Exists(bin), $"KEEPALIVED_HMAC_BIN={bin} does not exist");
        return bin!;
    }

    /// <summary>Key 2 in a file of mode 600, as both keepalived and we require.</summary>
    internal static string Key2File()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("vip-hmac-key-").FullName, "key2");
        File.WriteAllText(path, Key2Text + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }

    internal static string KeepalivedConfig(ClusterSpec spec, int priority, LabNode self, LabNode peer, string key2, int activeKey) =>
        spec.KeepalivedConfig(priority, self, peer).Replace("  virtual_ipaddress {", $$"""
              auth_hmac {
                key 1 hex:{{Key1Hex}}
                key 2 file:{{key2}}
                active_key {{activeKey}}
                mode enforce
              }
              virtual_ipaddress {
            """, StringComparison.Ordinal);

    internal static string[] OurAuthArgs(string key2) =>
        ["--auth-hmac-key", $"1:hex:{Key1Hex}", "--auth-hmac-key", $"2:file:{key2}", "--auth-hmac-mode", "enforce"];

    private static string OurSettings(int activeKey) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{ "VirtualIp": { "Routers": [ { "AuthHmac": { "ActiveKey": {{activeKey}} } } ] } }""");

    private static ClusterSpec Spec(string variant) => variant switch
    {
        "v3-ipv4" => new ClusterSpec(3, IPv6: false, Unicast: false, TimeSpan.FromMilliseconds(100)),
        "v3-ipv6" => new ClusterSpec(3, IPv6: true, Unicast: false, TimeSpan.FromMilliseconds(100)),
        "v2-ipv4" => new ClusterSpec(2, IPv6: false, Unicast: false, TimeSpan.FromSeconds(1)),
        "v3-ipv4-unicast" => new ClusterSpec(3, IPv6: false, Unicast: true, TimeSpan.FromMilliseconds(100)),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown variant"),
    };

    [Theory]
    [InlineData("v3-ipv4", true)]
    [InlineData("v3-ipv4", false)]
    [InlineData("v3-ipv6", true)]
    [InlineData("v3-ipv6", false)]
    [InlineData("v2-ipv4", true)]
    [InlineData("v2-ipv4", false)]
    [InlineData("v3-ipv4-unicast", true)]
    [InlineData("v3-ipv4-unicast", false)]
    public async Task Ours_and_keepalived_2_4_3_elect_with_enforced_hmac_and_rotate_keys_without_a_state_change(string variant, bool oursIsMaster)
    {
        string binary = KeepalivedHmacBinary();
        TestEnvironment.RequireRootAndTools("ip", "tcpdump");
        var spec = Spec(variant);
        string key2 = Key2File();
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 2 }, Ct);
        LabNode n1 = lab.Node(1), n2 = lab.Node(2);
        FailoverDaemon Start(LabNode self, LabNode peer, int priority, bool ours) => ours
            ? FailoverDaemon.StartOurs(self, [.. spec.OurArgs(priority, peer), .. OurAuthArgs(key2)], OurSettings(1))
            : FailoverDaemon.StartKeepalived(self, KeepalivedConfig(spec, priority, self, peer, key2, 1), binary);
        void Rotate(FailoverDaemon d, LabNode self, LabNode peer, int priority) =>
            d.Reload(d.IsKeepalived ? KeepalivedConfig(spec, priority, self, peer, key2, 2) : OurSettings(2));

        var converge = (3 * spec.MasterDown(100)) + TimeSpan.FromSeconds(20);
        var stable = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(2).Ticks, 3 * spec.Interval.Ticks));
        using var high = Start(n1, n2, 150, oursIsMaster);
        using var low = Start(n2, n1, 100, !oursIsMaster);
        try
        {
            // 1. Election with every advert signed and verified.
            await ClusterAssert.ConvergesAsync(n1, high, n2, low, spec.Vip, converge, $"{spec} HMAC: {high.Name} (150) master, {low.Name} (100) backup");
            await ClusterAssert.StaysSingleMasterAsync(n1, high, n2, low, spec.Vip, stable);
            Assert.Equal(new[] { 1 }, await KeyIdsOnTheWireAsync(n2, spec));

            // 2. Rotation to key 2 mid-run: the master first, then the backup. No state change anywhere.
            int highStates = high.States.Count, lowStates = low.States.Count;
            Rotate(high, n1, n2, 150);
            await ClusterAssert.EventuallyAsync(async () => (await KeyIdsOnTheWireAsync(n2, spec)).SequenceEqual(new[] { 2 }), TimeSpan.FromSeconds(10),
                $"{high.Name} signs with key 2 after its reload", high, low);
            await ClusterAssert.StaysSingleMasterAsync(n1, high, n2, low, spec.Vip, stable);
            Rotate(low, n2, n1, 100);
            await ClusterAssert.StaysSingleMasterAsync(n1, high, n2, low, spec.Vip, stable);
            Assert.True(high.States.Count == highStates && low.States.Count == lowStates, $"a state changed during the rotation\n{ClusterAssert.Logs(high, low)}");

            // 3. Nobody dropped an advert for authentication (keepalived logs each reason; ours warns on the first drop).
            foreach (var d in new[] { high, low })
            {
                Assert.DoesNotContain(d.Log.Split('\n'), l => l.Contains("authentication", StringComparison.OrdinalIgnoreCase) && !l.Contains("auth_hmac", StringComparison.Ordinal)
                    || l.Contains("dropped a packet", StringComparison.Ordinal));
            }

            var ours = oursIsMaster ? high : low;
            Assert.Contains("signs with key 2", ours.Log, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(key2);
        }
    }

    /// <summary>The key ids in the authentication trailers of the adverts seen on <paramref name="node"/>'s link for ~1.5 s.</summary>
    internal static async Task<int[]> KeyIdsOnTheWireAsync(LabNode node, ClusterSpec spec)
    {
        using var capture = await PcapCapture.StartAsync(node.Namespace, node.Interface, spec.IPv6 ? "ip6 proto 112" : "ip proto 112", Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1500, 1.5 * spec.Interval.TotalMilliseconds)), Ct);
        var ids = new SortedSet<int>();
        foreach (var frame in await capture.StopAsync())
        {
            if (Payload(frame) is { } p && p.Length >= 8 && p[2] != 0)
            {
                int message = 8 + (p[3] * (spec.IPv6 ? 16 : 4)) + (spec.Version == 2 ? 8 : 0);
                ids.Add(p.Length == message + 28 && p[message] == 1 ? p[message + 1] : 0); // 0 = no trailer
            }
        }

        return [.. ids];
    }

    private static byte[]? Payload(byte[] frame)
    {
        if (frame.Length < 14)
        {
            return null;
        }

        int type = (frame[12] << 8) | frame[13];
        if (type == 0x0800 && frame.Length >= 34 && frame[23] == 112)
        {
            int ihl = (frame[14] & 0xF) * 4, total = (frame[16] << 8) | frame[17];
            return frame.Length >= 14 + total ? frame[(14 + ihl)..(14 + total)] : null;
        }

        if (type == 0x86DD && frame.Length >= 54 && frame[20] == 112)
        {
            int plen = (frame[18] << 8) | frame[19];
            return frame.Length >= 54 + plen ? frame[54..(54 + plen)] : null;
        }

        return null;
    }
}
