using System.Globalization;
using System.Net;
using Google.Protobuf;
using VirtualIp.Leasing;

namespace VirtualIp.Etcd;

/// <summary>
/// Key layout under the prefix: <c>pools/POOL/addr/ADDRESS</c> (the lease record, on the node's etcd lease),
/// <c>pools/POOL/holder/HOLDER</c> (the holder's address, same etcd lease: one lease per holder), and
/// <c>pools/POOL/history/HOLDER</c> (the last address, on a long history lease: bounded by time).
/// </summary>
internal static class EtcdKeys
{
    public static ByteString Address(string prefix, string pool, IPAddress a) => ByteString.CopyFromUtf8($"{prefix}pools/{pool}/addr/{a}");

    public static string AddressPrefix(string prefix, string pool) => $"{prefix}pools/{pool}/addr/";

    public static ByteString Holder(string prefix, string pool, string holder) => ByteString.CopyFromUtf8($"{prefix}pools/{pool}/holder/{holder}");

    public static ByteString History(string prefix, string pool, string holder) => ByteString.CopyFromUtf8($"{prefix}pools/{pool}/history/{holder}");

    /// <summary>The end of a prefix range (the prefix with its last byte incremented).</summary>
    public static ByteString RangeEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }

    public static ByteString Encode(LeaseRecord r) => ByteString.CopyFromUtf8(string.Join('\n', r.Holder, r.Node,
        r.GrantedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), r.ExpiresAt.UtcTicks.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Parses a lease record from its key and value; false for anything malformed (never throws on store content).</summary>
    public static bool TryDecode(string pool, ByteString key, ByteString value, string addressPrefix, out LeaseRecord record)
    {
        record = null!;
        var k = key.ToStringUtf8();
        if (!k.StartsWith(addressPrefix, StringComparison.Ordinal) || !IPAddress.TryParse(k.AsSpan(addressPrefix.Length), out var address))
        {
            return false;
        }

        var parts = value.ToStringUtf8().Split('\n');
        if (parts.Length != 4 || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var g)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var e)
            || g < 0 || e < 0 || g > DateTimeOffset.MaxValue.UtcTicks || e > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        record = new LeaseRecord(pool, address, parts[0], parts[1], new DateTimeOffset(g, TimeSpan.Zero), new DateTimeOffset(e, TimeSpan.Zero));
        return true;
    }
}
