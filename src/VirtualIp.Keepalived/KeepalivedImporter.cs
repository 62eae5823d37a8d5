using VirtualIp.Keepalived.Mapping;
using VirtualIp.Keepalived.Parsing;

namespace VirtualIp.Keepalived;

/// <summary>
/// Converts a keepalived.conf into the equivalent VirtualIp configuration (appsettings.json, <c>VirtualIp</c> section)
/// and lists every directive it cannot carry over with its file and line. Never throws on the configuration's content.
/// </summary>
public static class KeepalivedImporter
{
    /// <summary>Imports keepalived configuration text; <c>include</c> is resolved against <see cref="KeepalivedImportOptions.BaseDirectory"/>.</summary>
    /// <param name="text">The content of a keepalived.conf.</param>
    /// <param name="options">Config id, file name for diagnostics, include directory and root; null for the defaults.</param>
    /// <returns>The JSON and what was not mapped, or the syntax errors.</returns>
    public static KeepalivedImportResult Import(string text, KeepalivedImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= new KeepalivedImportOptions();
        return Run(options.FileName, text, options.BaseDirectory ?? Environment.CurrentDirectory, options);
    }

    /// <summary>Reads and imports a keepalived.conf; relative includes are resolved against its directory.</summary>
    /// <param name="path">The keepalived.conf.</param>
    /// <param name="options">Config id and include root; null for the defaults (<see cref="KeepalivedImportOptions.FileName"/> and <see cref="KeepalivedImportOptions.BaseDirectory"/> are taken from <paramref name="path"/>).</param>
    /// <returns>The JSON and what was not mapped, or the syntax errors.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static KeepalivedImportResult ImportFile(string path, KeepalivedImportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text = File.ReadAllText(path);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Environment.CurrentDirectory;
        return Run(path, text, directory, options ?? new KeepalivedImportOptions());
    }

    private static KeepalivedImportResult Run(string file, string text, string directory, KeepalivedImportOptions options)
    {
        var d = new Diagnostics();
        var lines = new KeepalivedPreprocessor(options.ConfigId, d, IncludeRoot.Create(options.IncludeRoot)).Run(file, text, directory);
        if (!KeepalivedParser.TryParse(lines, d, out var root) || d.Errors.Count > 0)
        {
            return new KeepalivedImportResult(null, d.Errors, d.Unmapped);
        }

        var model = KeepalivedMapper.Map(root, d);
        var unmapped = d.Unmapped.OrderBy(u => u.File, StringComparer.Ordinal).ThenBy(u => u.Line).ToList();
        return new KeepalivedImportResult(JsonEmitter.Write(model), [], unmapped);
    }
}
