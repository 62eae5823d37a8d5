namespace VirtualIp.Keepalived;

/// <summary>The outcome of an import: the VirtualIp configuration, or the syntax errors that prevented it.</summary>
public sealed class KeepalivedImportResult
{
    internal KeepalivedImportResult(string? json, IReadOnlyList<KeepalivedDiagnostic> errors, IReadOnlyList<KeepalivedDiagnostic> unmapped)
    {
        Json = json;
        Errors = errors;
        Unmapped = unmapped;
    }

    /// <summary>True when the configuration could be read (no syntax errors); <see cref="Json"/> is then set.</summary>
    public bool Succeeded => Errors.Count == 0;

    /// <summary>
    /// The equivalent configuration as an appsettings.json document (a <c>VirtualIp</c> section in the shape
    /// <c>AddVirtualIp(section)</c> reads), or null when <see cref="Succeeded"/> is false.
    /// </summary>
    public string? Json { get; }

    /// <summary>Syntax errors (an unterminated block or string, an include loop), each with its file and line.</summary>
    public IReadOnlyList<KeepalivedDiagnostic> Errors { get; }

    /// <summary>Every directive that was not carried over, each with its file, line and the reason.</summary>
    public IReadOnlyList<KeepalivedDiagnostic> Unmapped { get; }
}
