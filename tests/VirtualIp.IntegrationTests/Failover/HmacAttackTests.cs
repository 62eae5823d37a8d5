using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using VirtualIp.Announcing;
using VirtualIp.Frames;
using VirtualIp.IntegrationTests.Lab;
using VirtualIp.Linux.Packet;
using VirtualIp.Testing;
using VirtualIp.Vrrp;
using VirtualIp.Vrrp.Auth;

namespace VirtualIp.IntegrationTests.Failover;

/// <summary>
/// Two of our nodes in one router with <c>AuthHmac Mode enforce</c> (keepalived 2.4.3's wire format), a third namespace
/// on the same bridge sending ~1,200 priority-255 adverts/s for the VRID for 5 s: unsigned, signed with a wrong key, with
/// an unknown key id, the master's genuine adverts with the priority raised, the master's adverts replayed as captured,
/// and a validly signed advert recorded a minute ago. Neither node changes state.
/// (keepalived 2.4.3 is not in this test: it re-arms its advert/down timer on every packet it reads for the VRID,
/// rejected or not, so such a flood silences a keepalived master; see docs/conformance/vrrp.md.)
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class HmacAttackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Enforce_keeps_unsigned_forged_and_replayed_priority_255_adverts_from_moving_the_vip(bool ipv6)
    {
        TestEnvironment.RequireRootAndTools("ip", "tcpdump");
        var spec = new ClusterSpec(3, ipv6, Unicast: false, TimeSpan.FromMilliseconds(100));
        string key2 = HmacInteropTests.Key2File();
        await using var lab = await NetnsLab.CreateAsync(new NetnsLabOptions { Nodes = 3 }, Ct);
        LabNode n1 = lab.Node(1), n2 = lab.Node(2), attacker = lab.Node(3);
        FailoverDaemon Start(LabNode self, LabNode peer, int priority) =>
            FailoverDaemon.StartOurs(self, [.. spec.OurArgs(priority, peer), .. HmacInteropTests.OurAuthArgs(key2), "--auth-hmac-active-key", "1"]);
        using var high = Start(n1, n2, 150);
        using var low = Start(n2, n1, 100);
        try
        {
            await ClusterAssert.ConvergesAsync(n1, high, n2, low, spec.Vip, (3 * spec.MasterDown(100)) + TimeSpan.FromSeconds(20), $"{spec} HMAC election");
            int highStates = high.States.Count, lowStates = low.States.Count;

            // The master's genuine adverts, as seen by the attacker.
            byte[] genuine;
            using (var capture = await PcapCapture.StartAsync(attacker.Namespace, attacker.Interface, ipv6 ? "ip6 proto 112" : "ip proto 112", Ct))
            {
                await Task.Delay(1000, Ct);
                genuine = (await capture.StopAsync()).Last(f => Priority(f, ipv6) == 150);
            }

            var now = DateTimeOffset.UtcNow;
            byte[] wrongKey = [.. Enumerable.Range(7, 32).Select(i => (byte)i)];
            byte[] key1 = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
            var attacks = new (string What, byte[] Frame)[]
            {
                ("unsigned", Forge(genuine, ipv6, attacker, key: null, 0, now)),
                ("wrong key", Forge(genuine, ipv6, attacker, wrongKey, 1, now)),
                ("unknown key id", Forge(genuine, ipv6, attacker, wrongKey, 9, now)),
                ("recorded a minute ago", Forge(genuine, ipv6, attacker, key1, 1, now.AddMinutes(-1))),
                ("genuine, priority raised", Tamper(genuine, ipv6)),
                ("genuine, replayed", genuine),
            };

            using var sender = await NetnsLab.RunInAsync<IFrameSender>(attacker, () => new AfPacketFrameSender(attacker.Interface));
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            int sent = 0;
            while (DateTime.UtcNow < until)
            {
                foreach (var (_, frame) in attacks)
                {
                    sender.Send(frame);
                    sent++;
                }

                await Task.Delay(5, Ct);
            }

            // 0 state changes, the VIP where it was.
            await ClusterAssert.StaysSingleMasterAsync(n1, high, n2, low, spec.Vip, TimeSpan.FromSeconds(1));
            Assert.True(high.States.Count == highStates && low.States.Count == lowStates, $"a state changed under attack ({sent} frames)\n{ClusterAssert.Logs(high, low)}");

            // Both saw it (ours warns on the first drop of each reason, then sends a summary once a minute).
            Assert.Contains("dropped a packet: authentication_missing", high.Log, StringComparison.Ordinal);
            Assert.Contains("dropped a packet: authentication_missing", low.Log, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(key2);
        }
    }

    private static int Priority(byte[] frame, bool ipv6) => frame.Length > (ipv6 ? 56 : 36) ? frame[ipv6 ? 56 : 36] : -1;

    /// <summary>The master's frame with the priority raised to 255 and the checksums fixed (the HMAC cannot be).</summary>
    private static byte[] Tamper(byte[] genuine, bool ipv6)
    {
        var f = genuine.ToArray();
        int vrrp = ipv6 ? 54 : 14 + ((f[14] & 0xF) * 4);
        f[vrrp + 2] = 255;
        FixVrrpChecksum(f, ipv6, vrrp);
        return f;
    }

    /// <summary>
    /// A priority-255 advert for the master's VRID and VIP from the attacker's MAC and address, signed with
    /// <paramref name="key"/>/<paramref name="keyId"/> at <paramref name="at"/>, or unsigned.
    /// </summary>
    private static byte[] Forge(byte[] genuine, bool ipv6, LabNode attacker, byte[]? key, byte keyId, DateTimeOffset at)
    {
        int ihl = ipv6 ? 40 : (genuine[14] & 0xF) * 4, vrrp = 14 + ihl;
        int message = 8 + (genuine[vrrp + 3] * (ipv6 ? 16 : 4));
        var f = new byte[vrrp + message + (key is null ? 0 : VrrpAuthTrailer.Length)];
        genuine.AsSpan(0, vrrp + message).CopyTo(f);
        attacker.Mac.WriteTo(f.AsSpan(6, 6));
        var source = ipv6 ? System.Net.IPAddress.Parse("fe80::66").GetAddressBytes() : attacker.IPv4.GetAddressBytes();
        source.CopyTo(f.AsSpan(ipv6 ? 22 : 26));
        f[vrrp + 2] = 255;
        if (key is not null)
        {
            using var signer = new VrrpAuthenticator(VrrpAuthKeyRing.Create(keyId, (keyId, key)), VrrpAuthHmacMode.Enforce, VrrpAntiReplay.Monotonic, 5,
                ipv6, VrrpVersion.V3, f[vrrp + 1], 0, new FakeTimeProvider(at));
            signer.Sign(f.AsSpan(vrrp), message, source);
        }

        if (ipv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(18), (ushort)(f.Length - 54));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(16), (ushort)(f.Length - 14));
            f[24] = f[25] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(24), InternetChecksum.Compute(f.AsSpan(14, ihl)));
        }

        FixVrrpChecksum(f, ipv6, vrrp);
        return f;
    }

    /// <summary>IPv4: over the message and the pseudo header (keepalived's default); IPv6: over the whole payload.</summary>
    private static void FixVrrpChecksum(byte[] f, bool ipv6, int vrrp)
    {
        int length = ipv6 ? f.Length - vrrp : 8 + (f[vrrp + 3] * 4);
        var payload = f.AsSpan(vrrp, length);
        payload[6] = payload[7] = 0;
        var src = ipv6 ? f.AsSpan(22, 16) : f.AsSpan(26, 4);
        var dst = ipv6 ? f.AsSpan(38, 16) : f.AsSpan(30, 4);
        BinaryPrimitives.WriteUInt16BigEndian(payload[6..], VrrpCodec.ComputePseudoHeaderChecksum(payload, src, dst, ipv6));
    }
}
