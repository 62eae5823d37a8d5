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
}
