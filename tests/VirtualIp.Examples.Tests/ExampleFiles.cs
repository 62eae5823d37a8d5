namespace VirtualIp.Examples.Tests;

/// <summary>A fenced code block of a Markdown file: where it starts and its text.</summary>
internal sealed record CodeBlock(string File, int Line, string Language, string Text)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>
/// The examples the project shows (README.md, docs/configuration.md, src/*/README.md, samples/*/README.md,
/// samples/**/appsettings*.json) as the test project's build copied them to examples/ in its output.
/// </summary>
internal static class ExampleFiles
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "examples");

    /// <summary>Every Markdown file, relative to the repository root.</summary>
    public static IReadOnlyList<string> Markdown() =>
        [.. Directory.EnumerateFiles(Root, "*.md", SearchOption.AllDirectories).Select(Relative).Order(StringComparer.Ordinal)];

    /// <summary>Every shipped appsettings*.json under samples/, relative to the repository root.</summary>
    public static IReadOnlyList<string> AppSettings() =>
        [.. Directory.EnumerateFiles(Path.Combine(Root, "samples"), "appsettings*.json", SearchOption.AllDirectories).Select(Relative).Order(StringComparer.Ordinal)];

    public static string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));

    /// <summary>The fenced blocks of <paramref name="language"/> in every Markdown file.</summary>
    public static IEnumerable<CodeBlock> Blocks(string language) => Markdown().SelectMany(f => Blocks(f, Read(f))).Where(b => b.Language == language);

    /// <summary>The fenced blocks of one Markdown text (``` or ```LANG up to the next ```).</summary>
    public static IEnumerable<CodeBlock> Blocks(string file, string markdown)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var fence = lines[i].TrimStart();
            if (!fence.StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            int start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
            {
                body.Add(lines[i]);
            }

            yield return new CodeBlock(file, start + 1, fence[3..].Trim(), string.Join('\n', body));
        }
    }

    private static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');
}
