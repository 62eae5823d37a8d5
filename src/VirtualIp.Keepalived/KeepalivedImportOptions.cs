namespace VirtualIp.Keepalived;

/// <summary>How a keepalived configuration is read.</summary>
public sealed class KeepalivedImportOptions
{
    /// <summary>
    /// keepalived's <c>-i CONFIG_ID</c>: lines starting <c>@ID</c> apply only when it matches, <c>@^ID</c> only when it does
    /// not. When null, conditional lines are treated as keepalived treats them without <c>-i</c> and each is reported.
    /// </summary>
    public string? ConfigId { get; set; }

    /// <summary>The name given to text passed to <see cref="KeepalivedImporter.Import(string, KeepalivedImportOptions?)"/> in diagnostics; default <c>keepalived.conf</c>.</summary>
    public string FileName { get; set; } = "keepalived.conf";

    /// <summary>The directory relative <c>include</c> paths of imported text are resolved against; default the current directory.</summary>
    public string? BaseDirectory { get; set; }

    /// <summary>
    /// The folder <c>include</c> is confined to (relative to the current directory); default null: no confinement,
    /// as keepalived, which reads any path an include names (relative to the including file, or absolute). When set,
    /// an included file is read only when it really lies under this folder, judged after globbing and after every
    /// symbolic link on its path is followed to its final target and <c>..</c> is applied (so neither a link inside
    /// the root pointing outside nor <c>../</c> escapes); a glob searches no folder outside it. Anything else is not
    /// read and is listed in <see cref="KeepalivedImportResult.Unmapped"/> as an <c>include</c> naming the path
    /// and the root. The main file itself (<see cref="KeepalivedImporter.ImportFile"/>) may lie anywhere. Set it
    /// when the configuration is not trusted, e.g. <c>/etc/keepalived</c> to read nothing else of the machine.
    /// </summary>
    public string? IncludeRoot { get; set; }
}
