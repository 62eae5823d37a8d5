namespace VirtualIp.Keepalived;

/// <summary>A directive of a keepalived configuration that was not imported, or a syntax error, with where it is.</summary>
/// <param name="File">The file the directive is in (as given, or as an include resolved it).</param>
/// <param name="Line">The 1-based line number in <paramref name="File"/>.</param>
/// <param name="Directive">The directive (its keyword, e.g. <c>use_vmac</c>), or <c>syntax</c> for a syntax error.</param>
/// <param name="Reason">Why it was not imported.</param>
public sealed record KeepalivedDiagnostic(string File, int Line, string Directive, string Reason)
{
    /// <summary>The diagnostic as <c>FILE:LINE: DIRECTIVE: REASON</c> (the form compilers use, so editors can jump to it).</summary>
    public override string ToString() => $"{File}:{Line}: {Directive}: {Reason}";
}
