using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace VirtualIp.Leasing;

/// <summary>The payloads of the lease journal: put a lease, delete a lease, remember a holder's address (snapshots).</summary>
internal static class JournalRecords
{
    public const byte Put = 1;
    public const byte Delete = 2;
    public const byte History = 3;

    public static byte[] EncodePut(LeaseRecord r)
    {
        var w = new Writer();
        w.Byte(Put);
        w.String(r.Pool);
        w.Address(r.Address);
        w.String(r.Holder);
        w.String(r.Node);
        w.Long(r.GrantedAt.UtcTicks);
        w.Long(r.ExpiresAt.UtcTicks);
        return w.ToArray();
    }

    public static byte[] EncodeDelete(string pool, IPAddress address)
    {
        var w = new Writer();
        w.Byte(Delete);
        w.String(pool);
        w.Address(address);
        return w.ToArray();
    }

    public static byte[] EncodeHistory(string pool, string holder, IPAddress address)
    {
        var w = new Writer();
        w.Byte(History);
        w.String(pool);
        w.String(holder);
        w.Address(address);
        return w.ToArray();
    }

    /// <summary>Decodes a payload; false if it is not one of ours (the journal's CRC already passed, so this means a newer format).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> p, out byte op, out LeaseRecord? put, out (string Pool, string? Holder, IPAddress Address) key)
    {
        put = null;
        key = default;
        op = p.Length > 0 ? p[0] : (byte)0;
        var r = new Reader(p[1..]);
        switch (op)
        {
            case Put when r.String(out var pool) && r.Address(out var a) && r.String(out var holder) && r.String(out var node) && r.Long(out var g) && r.Long(out var e):
                put = new LeaseRecord(pool, a, holder, node, new DateTimeOffset(g, TimeSpan.Zero), new DateTimeOffset(e, TimeSpan.Zero));
                key = (pool, holder, a);
                return true;
            case Delete when r.String(out var pool) && r.Address(out var a):
                key = (pool, null, a);
                return true;
            case History when r.String(out var pool) && r.String(out var holder) && r.Address(out var a):
                key = (pool, holder, a);
                return true;
            default:
                return false;
        }
    }

    private sealed class Writer
    {
        private readonly ArrayBufferWriter<byte> _ms = new(64);

        public void Byte(byte b) => _ms.Write([b]);

        public void String(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(len, checked((ushort)bytes.Length));
            _ms.Write(len);
            _ms.Write(bytes);
        }

        public void Address(IPAddress a)
        {
            var bytes = a.GetAddressBytes();
            _ms.Write([(byte)bytes.Length]);
            _ms.Write(bytes);
        }

        public void Long(long v)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(b, v);
            _ms.Write(b);
        }

        public byte[] ToArray() => _ms.WrittenSpan.ToArray();
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public bool String(out string s)
        {
            s = "";
            if (_rest.Length < 2)
            {
                return false;
            }

            int n = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
            if (_rest.Length < 2 + n)
            {
                return false;
            }

            s = Encoding.UTF8.GetString(_rest.Slice(2, n));
            _rest = _rest[(2 + n)..];
            return true;
        }

        public bool Address(out IPAddress a)
        {
            a = IPAddress.None;
            if (_rest.Length < 1 || (_rest[0] != 4 && _rest[0] != 16) || _rest.Length < 1 + _rest[0])
            {
                return false;
            }

            a = new IPAddress(_rest.Slice(1, _rest[0]));
            _rest = _rest[(1 + _rest[0])..];
            return true;
        }

        public bool Long(out long v)
        {
            v = 0;
            if (_rest.Length < 8)
            {
                return false;
            }

            v = BinaryPrimitives.ReadInt64LittleEndian(_rest);
            _rest = _rest[8..];
            return true;
        }
    }
}
