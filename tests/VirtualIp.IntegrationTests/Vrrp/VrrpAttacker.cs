using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using VirtualIp.Vrrp;
using VirtualIp.Linux.Interop;

namespace VirtualIp.IntegrationTests.Vrrp;

/// <summary>
/// The attacker of the hostile-traffic tests: raw protocol-112 sockets (created inside the attacker's namespace) that
/// send the list of malformed VRRP, built with our own codec and then broken on purpose.
/// </summary>
internal sealed class VrrpAttacker : IDisposable
{
    private const int IPPROTO_IP = 0, IP_TTL = 2, IP_MULTICAST_TTL = 33, IPPROTO_IPV6 = 41, IPV6_UNICAST_HOPS = 16, IPV6_MULTICAST_IF = 17, IPV6_MULTICAST_HOPS = 18;
    private readonly Socket _v4;
    private readonly Socket _v6;
    private readonly IPAddress _source4;
    private readonly IPAddress _source6;
    private readonly int _index;
    private readonly Random _rng = new(11);
    private byte _ttl4;
    private byte _hops6;

    public VrrpAttacker(string interfaceName, IPAddress source4, IPAddress source6)
    {
        _index = NetworkInterfaceIndex(interfaceName);
        _source4 = source4;
        _source6 = new IPAddress(source6.GetAddressBytes(), _index);
        var device = Encoding.ASCII.GetBytes(interfaceName + "\0");
        _v4 = RawSocket(ipv6: false);
        _v4.SetRawSocketOption(1, 25, device); // SO_BINDTODEVICE
        _v4.Bind(new IPEndPoint(source4, 0));
        _v6 = RawSocket(ipv6: true);
        _v6.SetRawSocketOption(1, 25, device);
        _v6.Bind(new IPEndPoint(_source6, 0));
        SetInt(_v6, IPPROTO_IPV6, IPV6_MULTICAST_IF, _index);
    }

    public static byte[] Advert(byte vrid, byte priority, IPAddress source, IPAddress destination, ushort intervalCs = 10, bool ipv6 = false,
        VrrpVersion version = VrrpVersion.V3, string? password = null)
    {
        var vip = IPAddress.Parse(ipv6 ? "2001:db8::100" : "192.0.2.100").GetAddressBytes();
        var message = password is null
            ? new VrrpMessage(version, vrid, priority, intervalCs, ipv6, vip)
            : new VrrpMessage(version, vrid, priority, intervalCs, ipv6, vip, VrrpAuthType.SimpleText, Encoding.ASCII.GetBytes(password.PadRight(8, '\0')));
        var buffer = new byte[VrrpCodec.GetEncodedLength(message)];
        int n = VrrpCodec.Write(buffer, message, source.GetAddressBytes(), destination.GetAddressBytes(), VrrpChecksumMode.WithPseudoHeader);
        return buffer[..n];
    }

    /// <summary>Sends every case to every destination, paced at about 2,000 packets/s, for <paramref name="duration"/>; returns the packets sent.</summary>
    public long Run(TimeSpan duration, IPAddress[] destinations4, IPAddress[] destinations6)
    {
        long sent = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < duration)
        {
            foreach (var d in destinations4)
            {
                foreach (var (payload, ttl) in Cases(51, _source4, d, ipv6: false))
                {
                    sent += Send4(payload, d, ttl) ? 1 : 0;
                }
            }

            foreach (var d in destinations6)
            {
                foreach (var (payload, ttl) in Cases(52, _source6, d, ipv6: true))
                {
                    sent += Send6(payload, d, ttl) ? 1 : 0;
                }
            }

            // Pace: ~2,000 packets/s.
            while (sent > sw.Elapsed.TotalSeconds * 2000 && sw.Elapsed < duration)
            {
                Thread.Sleep(1);
            }
        }

        return sent;
    }

    /// <summary>The list, for one VRID, source and destination.</summary>
    public IEnumerable<(byte[] Payload, byte Ttl)> Cases(byte vrid, IPAddress source, IPAddress destination, bool ipv6)
    {
        var good = Advert(vrid, 100, source, destination, ipv6: ipv6);
        yield return (good[..5], 255);                                                   // truncated
        var random = new byte[_rng.Next(1, 60)];
        _rng.NextBytes(random);
        yield return (random, 255);                                                      // random
        var mutated = (byte[])good.Clone();
        mutated[_rng.Next(mutated.Length)] ^= (byte)(1 << _rng.Next(8));
        yield return (mutated, 255);                                                     // mutated advert
        yield return (Advert(vrid, 255, source, destination, ipv6: ipv6), 254);          // TTL 254 with priority 255
        var badSum = (byte[])good.Clone();
        badSum[6] ^= 0x5A;
        yield return (badSum, 255);                                                      // bad checksum
        var count = (byte[])good.Clone();
        count[3] = 40;
        yield return (count, 255);                                                       // address count > payload
        yield return (Advert(vrid, 50, source, destination, ipv6: ipv6), 255);           // lower priority from a stranger
        var zero = (byte[])good.Clone();
        SetWord(zero, 4, 0);
        yield return (zero, 255);                                                        // interval 0
        yield return (Advert(vrid, 0, source, destination, ipv6: ipv6), 255);            // priority 0 from a non-master
        yield return (Advert(vrid, 120, source, destination, intervalCs: 1, ipv6: ipv6), 255); // 10 ms interval, then...
        yield return (Advert(vrid, 0, source, destination, ipv6: ipv6), 255);            // ...priority 0 (skew attack)
        foreach (int version in new[] { 0, 1, 4, 15 })
        {
            var v = (byte[])good.Clone();
            SetByte0(v, (byte)((version << 4) | 1));
            yield return (v, 255);                                                       // versions 0/1/4/15
        }

        foreach (int type in new[] { 0, 2, 15 })
        {
            var t = (byte[])good.Clone();
            SetByte0(t, (byte)(0x30 | type));
            yield return (t, 255);                                                       // types 0/2/15
        }

        if (!ipv6)
        {
            yield return (Advert(vrid, 200, source, destination, intervalCs: 100, version: VrrpVersion.V2, password: "wrongpwd"), 255); // v2 wrong password
        }
    }

    public bool Send4(byte[] payload, IPAddress destination, byte ttl)
    {
        if (_ttl4 != ttl)
        {
            SetInt(_v4, IPPROTO_IP, IP_TTL, ttl);
            SetInt(_v4, IPPROTO_IP, IP_MULTICAST_TTL, ttl);
            _ttl4 = ttl;
        }

        return TrySend(_v4, payload, new IPEndPoint(destination, 0));
    }

    public bool Send6(byte[] payload, IPAddress destination, byte hops)
    {
        if (_hops6 != hops)
        {
            SetInt(_v6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, hops);
            SetInt(_v6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hops);
            _hops6 = hops;
        }

        var to = destination.IsIPv6LinkLocal || destination.IsIPv6Multicast ? new IPAddress(destination.GetAddressBytes(), _index) : destination;
        return TrySend(_v6, payload, new IPEndPoint(to, 0));
    }

    public void SendBadChecksum6(IPAddress group)
    {
        var p = Advert(52, 100, _source6, group, ipv6: true);
        p[6] ^= 0x5A;
        Send6(p, group, 255);
    }

    public void SendGood6(IPAddress group) => Send6(Advert(52, 100, _source6, group, ipv6: true), group, 255);

    public void Dispose()
    {
        _v4.Dispose();
        _v6.Dispose();
    }

    private static Socket RawSocket(bool ipv6)
    {
        // .NET's Socket constructor does not take protocol 112; open it with the transport's own helper.
        int fd = LibC.CreateVrrpSocket(ipv6, out int errno);
        if (fd < 0)
        {
            throw new SocketException(errno);
        }

        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    private static bool TrySend(Socket socket, byte[] payload, IPEndPoint to)
    {
        try
        {
            socket.SendTo(payload, to);
            return true;
        }
        catch (SocketException)
        {
            return false; // e.g. ENOBUFS under load
        }
    }

    /// <summary>Sets byte 0 (version/type) and fixes the checksum so only that field is wrong.</summary>
    private static void SetByte0(byte[] advert, byte value) => SetWord(advert, 0, (ushort)((value << 8) | advert[1]));

    /// <summary>Replaces a 16-bit word and updates the checksum incrementally (RFC 1624).</summary>
    private static void SetWord(byte[] advert, int offset, ushort value)
    {
        ushort old = BinaryPrimitives.ReadUInt16BigEndian(advert.AsSpan(offset));
        ushort sum = BinaryPrimitives.ReadUInt16BigEndian(advert.AsSpan(6));
        uint c = (uint)(~sum & 0xFFFF) + (uint)(~old & 0xFFFF) + value;
        c = (c & 0xFFFF) + (c >> 16);
        c = (c & 0xFFFF) + (c >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(advert.AsSpan(offset), value);
        BinaryPrimitives.WriteUInt16BigEndian(advert.AsSpan(6), (ushort)~c);
    }

    private static void SetInt(Socket socket, int level, int option, int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        socket.SetRawSocketOption(level, option, b);
    }

    private static int NetworkInterfaceIndex(string name) =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().First(n => n.Name == name).GetIPProperties().GetIPv6Properties().Index;
}
