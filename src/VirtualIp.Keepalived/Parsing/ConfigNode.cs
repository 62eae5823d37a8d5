namespace VirtualIp.Keepalived.Parsing;

/// <summary>A directive: its keyword, its arguments, where it is, and its block (null when it has none).</summary>
internal sealed class ConfigNode(string name, IReadOnlyList<string> args, string file, int line)
{
    public string Name { get; } = name;

    public IReadOnlyList<string> Args { get; } = args;

    public string File { get; } = file;

    public int Line { get; } = line;

    public List<ConfigNode>? Block { get; set; }

    /// <summary>The children, or none.</summary>
    public IReadOnlyList<ConfigNode> Children => Block ?? (IReadOnlyList<ConfigNode>)[];

    /// <summary>The first argument, or null.</summary>
    public string? Arg => Args.Count > 0 ? Args[0] : null;

    /// <summary>The keyword and the arguments, as written (for messages).</summary>
    public string Text => Args.Count == 0 ? Name : $"{Name} {string.Join(' ', Args)}";
}
