using System.Text;
using VirtualIp.Addressing;

namespace VirtualIp.Windows.Binding;

/// <summary>
/// Windows addresses carry no protocol mark (Linux has IFA_PROTO), so VirtualIp records the addresses it adds
/// in a small file ("interface address/prefix" per line). A restarted node reads it to remove stale VIPs.
/// </summary>
internal sealed class OwnershipLedger
{
    private readonly string _path;
    private readonly Lock _gate = new();

    public OwnershipLedger(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
    }

    /// <summary>The default location: %ProgramData%\VirtualIp\owned-addresses.txt.</summary>
    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "VirtualIp", "owned-addresses.txt");

    public IReadOnlyList<(string Interface, VipAddress Vip)> Read()
    {
        lock (_gate)
        {
            if (!File.Exists(_path))
            {
                return [];
            }

            var result = new List<(string, VipAddress)>();
            foreach (var line in File.ReadAllLines(_path, Encoding.UTF8))
            {
                int tab = line.IndexOf('\t', StringComparison.Ordinal);
                if (tab > 0 && VipAddress.TryParse(line[(tab + 1)..], out var vip))
                {
                    result.Add((line[..tab], vip));
                }
            }

            return result;
        }
    }

    public void Add(string interfaceName, VipAddress vip) => Update(list =>
    {
        if (!list.Contains((interfaceName, vip)))
        {
            list.Add((interfaceName, vip));
        }
    });

    public void Remove(string interfaceName, VipAddress vip) => Update(list => list.Remove((interfaceName, vip)));

    private void Update(Action<List<(string Interface, VipAddress Vip)>> change)
    {
        lock (_gate)
        {
            var list = Read().ToList();
            change(list);
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            var tmp = _path + ".tmp";
            File.WriteAllLines(tmp, list.Select(e => $"{e.Interface}\t{e.Vip}"), Encoding.UTF8);
            File.Move(tmp, _path, overwrite: true);
        }
    }
}
