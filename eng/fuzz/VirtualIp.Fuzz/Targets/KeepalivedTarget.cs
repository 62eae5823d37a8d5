using System.Text;
using VirtualIp.Keepalived;

namespace VirtualIp.Fuzz.Targets;

/// <summary>
/// The keepalived.conf importer (preprocessor, parser, mapper, JSON writer) on one configuration text: it returns
/// the JSON or the named errors, never throws on the content. Includes resolve in a folder that does not exist. Input: the text
/// (UTF-8). Seeds: the 25 keepalived 2.4.3 sample configurations (tests/vectors/keepalived-2.4.3-samples).
/// </summary>
internal static class KeepalivedTarget
{
    private static readonly string s_includes = Path.Combine(AppContext.BaseDirectory, "no-includes-here");

    public static void Run(ReadOnlySpan<byte> input)
    {
        var result = KeepalivedImporter.Import(Encoding.UTF8.GetString(input), new KeepalivedImportOptions { BaseDirectory = s_includes });
        if (result.Json is null && result.Errors.Count == 0)
        {
            throw new InvalidOperationException("the importer returned neither JSON nor an error");
        }
    }
}
