namespace VirtualIp.Keepalived.Parsing;

/// <summary>Collects syntax errors and unmapped directives while a configuration is read and mapped.</summary>
internal sealed class Diagnostics
{
    public List<KeepalivedDiagnostic> Errors { get; } = [];

    public List<KeepalivedDiagnostic> Unmapped { get; } = [];

    public void Error(string file, int line, string reason) => Errors.Add(new KeepalivedDiagnostic(file, line, "syntax", reason));

    public void Unmap(string file, int line, string directive, string reason) => Unmapped.Add(new KeepalivedDiagnostic(file, line, directive, reason));

    public void Unmap(ConfigNode node, string reason) => Unmap(node.File, node.Line, node.Name, reason);
}
