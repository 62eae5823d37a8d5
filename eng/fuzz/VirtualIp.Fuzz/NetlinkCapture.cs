using System.Globalization;
using System.Net.Sockets;
using VirtualIp.Addressing;
using VirtualIp.Linux.Netlink;

namespace VirtualIp.Fuzz;

/// <summary>
/// Captures the kernel's rtnetlink answers as seed files for the netlink target, with the requests our NetlinkClient
/// sends (NetlinkMessages.Write*) on our NetlinkSocket: an address dump, a link dump, a link looked up by a name that
/// does not exist and an address added twice (errors with extended ack), and an address add/delete (acks).
/// Run it once in a throw-away namespace (eng/fuzz/capture-netlink.sh), never on the host.
/// </summary>
internal static class NetlinkCapture
{
    public static int Run(string directory)
    {
        Directory.CreateDirectory(directory);
        using var socket = NetlinkSocket.Open();
        socket.TrySetOption(Nl.NETLINK_GET_STRICT_CHK, 1);
        socket.Socket.ReceiveTimeout = 5000;
        var request = new byte[1024];
        int files = 0;

        void Capture(string name, ReadOnlySpan<byte> message, uint sequence)
        {
            socket.Socket.Send(message);
            var receive = new byte[64 * 1024];
            for (int i = 0; ; i++)
            {
                int n = socket.Socket.Receive(receive);
                File.WriteAllBytes(Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{name}-{i}.bin")), receive.AsSpan(0, n).ToArray());
                files++;
                if (Ends(receive.AsSpan(0, n), sequence))
                {
                    return;
                }
            }
        }

        int lo = 1;
        _ = VipAddress.TryParse("192.0.2.10/24", out var v4);
        _ = VipAddress.TryParse("2001:db8::10/64", out var v6);
        uint seq = socket.NextSequence();
        Capture("add-v4", NetlinkMessages.WriteAddressRequest(request, true, seq, lo, v4!, null), seq);
        seq = socket.NextSequence();
        Capture("add-v4-again", NetlinkMessages.WriteAddressRequest(request, true, seq, lo, v4!, null), seq);
        seq = socket.NextSequence();
        Capture("add-v6", NetlinkMessages.WriteAddressRequest(request, true, seq, lo, v6!, null), seq);
        seq = socket.NextSequence();
        Capture("addr-dump", NetlinkMessages.WriteAddressDump(request, seq, Nl.AF_UNSPEC, 0), seq);
        seq = socket.NextSequence();
        Capture("link-dump", NetlinkMessages.WriteLinkDump(request, seq), seq);
        seq = socket.NextSequence();
        Capture("link-missing", NetlinkMessages.WriteLinkByName(request, seq, "nosuchlink0"), seq);
        seq = socket.NextSequence();
        Capture("del-v4", NetlinkMessages.WriteAddressRequest(request, false, seq, lo, v4!, null), seq);
        seq = socket.NextSequence();
        Capture("del-v4-again", NetlinkMessages.WriteAddressRequest(request, false, seq, lo, v4!, null), seq);
        Console.WriteLine($"wrote {files} datagram(s) to {directory}");
        return 0;
    }

    /// <summary>True when the datagram ends the answer to <paramref name="sequence"/> (NLMSG_DONE, NLMSG_ERROR or a reply).</summary>
    private static bool Ends(ReadOnlySpan<byte> datagram, uint sequence)
    {
        var reader = new NetlinkReader(datagram);
        while (reader.TryRead(out var m))
        {
            if (m.Sequence == sequence && (m.Type is Nl.NLMSG_DONE or Nl.NLMSG_ERROR || (m.Flags & Nl.NLM_F_MULTI) == 0))
            {
                return true;
            }
        }

        return false;
    }
}
