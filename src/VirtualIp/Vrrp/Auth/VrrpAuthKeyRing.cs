using System.Globalization;
using System.Text;

namespace VirtualIp.Vrrp.Auth;

/// <summary>
/// The validated, immutable key set of one router: key bytes by id (1 to 255) and the active key. Built from
/// <see cref="VrrpAuthHmacOptions.Keys"/> by <see cref="TryLoad"/>, which names the configuration key (never the secret)
/// in every error, and refuses a key file that group or others may access.
/// </summary>
internal sealed class VrrpAuthKeyRing
{
    /// <summary>The shortest key keepalived accepts (a 128-bit margin under quantum search).</summary>
    public const int MinKeyLength = 32;

    /// <summary>The longest key keepalived accepts.</summary>
    public const int MaxKeyLength = 64;

    private const int MaxFileBytes = 4 + (MaxKeyLength * 2) + 8; // "hex:", the digits, a line ending and slack

    private readonly byte[]?[] _keys;

    private VrrpAuthKeyRing(byte[]?[] keys, byte activeKeyId)
    {
        _keys = keys;
        ActiveKeyId = activeKeyId;
    }

    /// <summary>The key id used when sending.</summary>
    public byte ActiveKeyId { get; }

    /// <summary>The ids configured, ascending.</summary>
    public IEnumerable<byte> KeyIds
    {
        get
        {
            for (int i = 1; i < _keys.Length; i++)
            {
                if (_keys[i] is not null)
                {
                    yield return (byte)i;
                }
            }
        }
    }

    /// <summary>The key bytes for <paramref name="id"/>, or null.</summary>
    public byte[]? Get(byte id) => _keys[id];

    /// <summary>A ring with the given keys (tests, benchmarks).</summary>
    internal static VrrpAuthKeyRing Create(byte activeKeyId, params (byte Id, byte[] Key)[] keys)
    {
        var table = new byte[]?[256];
        foreach (var (id, key) in keys)
        {
            table[id] = key;
        }

        return new VrrpAuthKeyRing(table, activeKeyId);
    }

    /// <summary>
    /// Parses and loads every key of <paramref name="options"/>; adds one error per problem (naming <paramref name="key"/>,
    /// e.g. "VirtualIp:Routers:0:AuthHmac") to <paramref name="errors"/> and returns null when there is any.
    /// </summary>
    public static VrrpAuthKeyRing? TryLoad(VrrpAuthHmacOptions options, string key, List<string> errors)
    {
        int before = errors.Count;
        var table = new byte[]?[256];
        var specs = options.Keys ?? [];
        if (specs.Count == 0)
        {
            errors.Add($"{key}:Keys is empty; give at least one key as ID:hex:HEX, ID:file:PATH or ID:TEXT.");
        }

        for (int i = 0; i < specs.Count; i++)
        {
            string path = Invariant($"{key}:Keys:{i}");
            if (TryParse(specs[i], path, errors, out byte id, out byte[]? bytes))
            {
                if (table[id] is not null)
                {
                    errors.Add(Invariant($"{path}: key id {id} is defined twice."));
                }
                else
                {
                    table[id] = bytes;
                }
            }
        }

        if (options.ActiveKey is < 1 or > 255)
        {
            errors.Add(Invariant($"{key}:ActiveKey = {options.ActiveKey} is out of range 1..255 (it names the key id used to sign)."));
        }
        else if (errors.Count == before && table[options.ActiveKey] is null)
        {
            errors.Add(Invariant($"{key}:ActiveKey = {options.ActiveKey} is not one of the key ids in {key}:Keys."));
        }

        return errors.Count == before ? new VrrpAuthKeyRing(table, (byte)options.ActiveKey) : null;
    }

    private static bool TryParse(string? spec, string path, List<string> errors, out byte id, out byte[]? bytes)
    {
        id = 0;
        bytes = null;
        int colon = spec?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (spec is null || colon <= 0 || colon == spec.Length - 1)
        {
            errors.Add($"{path} is not ID:hex:HEX, ID:file:PATH or ID:TEXT.");
            return false;
        }

        if (!int.TryParse(spec.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n is < 1 or > 255)
        {
            errors.Add($"{path}: key id '{spec[..colon]}' is not a number 1..255.");
            return false;
        }

        id = (byte)n;
        string value = spec[(colon + 1)..];
        if (value.StartsWith("file:", StringComparison.Ordinal))
        {
            if (!TryReadFile(value[5..], path, errors, out value))
            {
                return false;
            }
        }

        if (!TryDecode(value, path, id, errors, out bytes))
        {
            return false;
        }

        if (bytes.Length is < MinKeyLength or > MaxKeyLength)
        {
            errors.Add(Invariant($"{path}: key {id} is {bytes.Length} bytes; it must be {MinKeyLength} to {MaxKeyLength} bytes."));
            return false;
        }

        return true;
    }

    private static bool TryDecode(string value, string path, byte id, List<string> errors, out byte[] bytes)
    {
        if (value.StartsWith("hex:", StringComparison.Ordinal))
        {
            try
            {
                bytes = Convert.FromHexString(value.AsSpan(4));
                return true;
            }
            catch (FormatException)
            {
                errors.Add(Invariant($"{path}: key {id} after 'hex:' is not an even number of hex digits."));
                bytes = [];
                return false;
            }
        }

        bytes = Encoding.UTF8.GetBytes(value);
        return true;
    }

    private static bool TryReadFile(string file, string path, List<string> errors, out string value)
    {
        value = "";
        if (file.Length == 0 || !File.Exists(file))
        {
            errors.Add($"{path}: key file '{file}' does not exist.");
            return false;
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(file);
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                                        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & others) != 0)
            {
                errors.Add(Invariant($"{path}: key file '{file}' is accessible by group or others (mode {Convert.ToString((int)mode, 8)}); chmod 600 it."));
                return false;
            }
        }

        try
        {
            using var stream = File.OpenRead(file);
            if (stream.Length > MaxFileBytes)
            {
                errors.Add(Invariant($"{path}: key file '{file}' is {stream.Length} bytes; a key file holds at most {MaxFileBytes}."));
                return false;
            }

            using var reader = new StreamReader(stream, Encoding.UTF8);
            value = reader.ReadToEnd().TrimEnd('\r', '\n');
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{path}: key file '{file}' cannot be read: {ex.Message}");
            return false;
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
