using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace VirtualIp.Linux.Vrrp.Interop;

/// <summary>
/// The two rtnetlink requests the virtual MAC needs (create a macvlan, delete a link), kept private to the VRRP
/// transport. Request/ack only, on a short-lived socket; all integers in host order (little-endian).
/// </summary>
internal static partial class VrrpNetlink
{
    private const int AF_NETLINK = 16;
    private const int NETLINK_ROUTE = 0;
    private const ushort RTM_NEWLINK = 16;
    private const ushort RTM_DELLINK = 17;
    private const ushort NLMSG_ERROR = 2;
    private const ushort NLM_F_REQUEST = 0x1;
    private const ushort NLM_F_ACK = 0x4;
    private const ushort NLM_F_EXCL = 0x200;
    private const ushort NLM_F_CREATE = 0x400;
    private const ushort NLA_F_NESTED = 0x8000;
    private const ushort IFLA_ADDRESS = 1;
    private const ushort IFLA_IFNAME = 3;
    private const ushort IFLA_LINK = 5;
    private const ushort IFLA_LINKINFO = 18;
    private const ushort IFLA_INFO_KIND = 1;
    private const ushort IFLA_INFO_DATA = 2;
    private const ushort IFLA_MACVLAN_MODE = 1;
    private const uint IFF_UP = 0x1;

    /// <summary>MACVLAN_MODE_PRIVATE: frames between macvlans on the same parent are dropped (keepalived's choice).</summary>
    public const uint MacvlanModePrivate = 1;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    /// <summary>Builds RTM_NEWLINK for a macvlan named <paramref name="name"/> over <paramref name="parentIndex"/>, up, with <paramref name="mac"/>.</summary>
    public static int WriteNewMacvlan(Span<byte> buffer, uint sequence, string name, int parentIndex, ReadOnlySpan<byte> mac, uint mode)
    {
        var w = new Writer(buffer);
        w.Header(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sequence);
        w.IfInfo(index: 0, flags: IFF_UP, change: IFF_UP);
        w.AttributeString(IFLA_IFNAME, name);
        w.AttributeUInt32(IFLA_LINK, (uint)parentIndex);
        w.Attribute(IFLA_ADDRESS, mac);
        var linkInfo = w.BeginNested(IFLA_LINKINFO);
        w.AttributeString(IFLA_INFO_KIND, "macvlan");
        var data = w.BeginNested(IFLA_INFO_DATA);
        w.AttributeUInt32(IFLA_MACVLAN_MODE, mode);
        w.EndNested(data);
        w.EndNested(linkInfo);
        return w.Finish();
    }

    /// <summary>Builds RTM_DELLINK by name.</summary>
    public static int WriteDeleteLink(Span<byte> buffer, uint sequence, string name)
    {
        var w = new Writer(buffer);
        w.Header(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
        w.IfInfo(index: 0, flags: 0, change: 0);
        w.AttributeString(IFLA_IFNAME, name);
        return w.Finish();
    }

    /// <summary>Reads the ack for <paramref name="sequence"/>: 0 or a positive errno. False if the datagram holds none.</summary>
    public static bool TryReadAck(ReadOnlySpan<byte> datagram, uint sequence, out int errno)
    {
        errno = 0;
        var offset = 0;
        while (datagram.Length - offset >= 16)
        {
            var m = datagram[offset..];
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(m);
            if (length < 16 || length > m.Length)
            {
                return false;
            }

            var type = BinaryPrimitives.ReadUInt16LittleEndian(m[4..]);
            var seq = BinaryPrimitives.ReadUInt32LittleEndian(m[8..]);
            if (type == NLMSG_ERROR && seq == sequence && length >= 20)
            {
                errno = -BinaryPrimitives.ReadInt32LittleEndian(m[16..]);
                return true;
            }

            offset += (length + 3) & ~3;
        }

        return false;
    }

    /// <summary>Sends one request and waits for its ack; returns 0 or the errno.</summary>
    public static int Execute(ReadOnlySpan<byte> request, uint sequence)
    {
        var fd = Socket(AF_NETLINK, VrrpNative.SOCK_RAW | VrrpNative.SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        using var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        socket.ReceiveTimeout = 5000;
        try
        {
            socket.Send(request);
            Span<byte> reply = stackalloc byte[8192];
            while (true)
            {
                var n = socket.Receive(reply);
                if (TryReadAck(reply[..n], sequence, out var errno))
                {
                    return errno;
                }
            }
        }
        catch (SocketException ex)
        {
            return ex.NativeErrorCode;
        }
    }

    private ref struct Writer
    {
        private readonly Span<byte> _buffer;
        private int _length;

        public Writer(Span<byte> buffer)
        {
            _buffer = buffer;
            _length = 0;
        }

        public void Header(ushort type, ushort flags, uint sequence)
        {
            _buffer[..16].Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer[4..], type);
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer[6..], flags);
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer[8..], sequence);
            _length = 16;
        }

        public void IfInfo(int index, uint flags, uint change)
        {
            var s = _buffer.Slice(_length, 16);
            s.Clear(); // family AF_UNSPEC, type 0
            BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
            BinaryPrimitives.WriteUInt32LittleEndian(s[8..], flags);
            BinaryPrimitives.WriteUInt32LittleEndian(s[12..], change);
            _length += 16;
        }

        public void Attribute(ushort type, scoped ReadOnlySpan<byte> value)
        {
            var total = 4 + value.Length;
            var s = _buffer.Slice(_length, (total + 3) & ~3);
            s.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)total);
            BinaryPrimitives.WriteUInt16LittleEndian(s[2..], type);
            value.CopyTo(s[4..]);
            _length += s.Length;
        }

        public void AttributeUInt32(ushort type, uint value)
        {
            Span<byte> v = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(v, value);
            Attribute(type, v);
        }

        public void AttributeString(ushort type, string value)
        {
            Span<byte> v = stackalloc byte[64];
            var n = Encoding.ASCII.GetBytes(value, v);
            v[n] = 0;
            Attribute(type, v[..(n + 1)]);
        }

        public int BeginNested(ushort type)
        {
            var start = _length;
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer[(start + 2)..], (ushort)(type | NLA_F_NESTED));
            _length += 4;
            return start;
        }

        public readonly void EndNested(int start) =>
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer[start..], (ushort)(_length - start));

        public readonly int Finish()
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_length);
            return _length;
        }
    }
}
