using System.Text;
using VirtualIp.Keepalived;

namespace VirtualIp.Fuzz.Targets;

/// <summary>
/// The keepalived.conf importer (preprocessor, parser, mapper, JSON writer) on one configuration text: it returns
/// the JSON or the named errors, never throws on the content. Input: the text (UTF-8). Seeds: the 25 keepalived 2.4.3
/// sample configurations (tests/vectors/keepalived-2.4.3-samples) and one of includes.
/// Includes are confined (<see cref="KeepalivedImportOptions.IncludeRoot"/>) to a small folder of the target's own,
/// written once at start beside the binary: <c>root/</c> holds a few tiny files, a folder, a link to a file inside and a
/// link to the folder <c>outside/</c> next to it, whose only file holds a canary: a conditional line
/// <c>@CANARY x</c>, which the preprocessor reports whatever else the input holds (even with syntax errors). So no
/// execution reads the machine's files (a run fell from ~9,800 to ~600 executions per second once AFL wrote
/// <c>include /*/*o</c>), and an include that escapes the root (a link, <c>..</c>, a glob) throws. The check's own
/// proof: with <c>VIRTUALIP_FUZZ_KEEPALIVED_UNCONFINED=1</c> the root is off and replaying the seed
/// <c>includes.conf</c> must report a crash.
/// </summary>
internal static class KeepalivedTarget
{
    private const string Canary = "virtualip_fuzz_outside_canary";
    private static readonly KeepalivedImportOptions s_options = CreateRoot();

    public static void Run(ReadOnlySpan<byte> input)
    {
        var result = KeepalivedImporter.Import(Encoding.UTF8.GetString(input), s_options);
        if (result.Json is null && result.Errors.Count == 0)
        {
            throw new InvalidOperationException("the importer returned neither JSON nor an error");
        }

        foreach (var u in result.Unmapped)
        {
            if (u.Directive.Contains(Canary, StringComparison.Ordinal) && u.File != s_options.FileName)
            {
                throw new InvalidOperationException($"an include escaped the include root: {u.File} was read");
            }
        }
    }

    private static KeepalivedImportOptions CreateRoot()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "keepalived-include-root");
        string root = Path.Combine(folder, "root"), outside = Path.Combine(folder, "outside");
        Directory.CreateDirectory(Path.Combine(root, "conf.d"));
        Directory.CreateDirectory(outside);
        Write(Path.Combine(root, "global.conf"), "global_defs {\n router_id fuzz\n}\n");
        Write(Path.Combine(root, "conf.d", "10-vi.conf"), "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n");
        Write(Path.Combine(root, "conf.d", "20-nested.conf"), "include ../global.conf\n$X=1\n");
        Write(Path.Combine(outside, "secret.conf"), "@" + Canary + " x\n");
        Link(Path.Combine(root, "linked.conf"), Path.Combine(root, "global.conf"));
        Link(Path.Combine(root, "out"), outside);
        Link(Path.Combine(root, "conf.d", "30-out.conf"), Path.Combine(outside, "secret.conf"));
        bool unconfined = Environment.GetEnvironmentVariable("VIRTUALIP_FUZZ_KEEPALIVED_UNCONFINED") == "1";
        return new KeepalivedImportOptions { BaseDirectory = root, IncludeRoot = unconfined ? null : root };
    }

    private static void Write(string path, string text)
    {
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            File.WriteAllText(path, text);
        }
    }

    private static void Link(string path, string target)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget == target)
        {
            return;
        }

        if (info.LinkTarget is null && Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (info.LinkTarget is not null || info.Exists)
        {
            File.Delete(path); // the link itself, never what it points to
        }

        File.CreateSymbolicLink(path, target);
    }
}
