using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VirtualIp.Examples.Tests.Snippets;

namespace VirtualIp.Examples.Tests;

/// <summary>
/// Every ```csharp block of README.md, docs/ and the package and sample READMEs is compiled: it must be, line for line,
/// a <c>#region snippet</c> of a file in Snippets/ (which this project compiles), and its leading <c>using</c> lines
/// must be usings of that file. To change an example, change the file in Snippets/ and paste the region into the README.
/// The snippets that can run without privileges run below.
/// </summary>
public sealed class SnippetTests
{
    private sealed record Region(string File, string Text, IReadOnlySet<string> Usings);

    [Fact]
    public void Every_csharp_block_is_a_compiled_snippet()
    {
        var regions = Regions();
        var blocks = ExampleFiles.Blocks("csharp").Concat(ExampleFiles.Blocks("cs")).Concat(ExampleFiles.Blocks("c#")).ToList();
        Assert.True(blocks.Count >= 5, $"found only {blocks.Count} csharp blocks under {ExampleFiles.Root}");

        var problems = new List<string>();
        foreach (var block in blocks)
        {
            var (usings, body) = SplitUsings(block.Text);
            var match = regions.FirstOrDefault(r => r.Text == body);
            if (match is null)
            {
                problems.Add($"{block}: no #region snippet in tests/VirtualIp.Examples.Tests/Snippets/*.cs has this text:\n{body}");
                continue;
            }

            foreach (var u in usings.Where(u => !match.Usings.Contains(u)))
            {
                problems.Add($"{block}: '{u}' is not a using of {match.File}");
            }
        }

        foreach (var r in regions.Where(r => !blocks.Any(b => SplitUsings(b.Text).Body == r.Text)))
        {
            problems.Add($"{r.File}: a snippet no README shows any more:\n{r.Text}");
        }

        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    [Fact]
    public void Balancing_readme_scheduler_snippet_picks_one_of_its_backends()
    {
        var picked = BalancingReadmeSnippets.Schedulers(IPAddress.Parse("203.0.113.7"));

        Assert.NotNull(picked);
        Assert.Contains(picked.EndPoint.ToString(), new[] { "198.51.100.10:80", "198.51.100.11:80" });
        Assert.Equal(0, picked.InFlight);
    }

    [Fact]
    public void Balancing_readme_forwarder_snippets_build_hosts_whose_options_validate()
    {
        foreach (var snippet in new Action<HostApplicationBuilder>[] { BalancingReadmeSnippets.Forwarder, BalancingReadmeSnippets.ActiveHealth })
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            snippet(builder);
            using var host = builder.Build();

            host.Services.GetRequiredService<IStartupValidator>().Validate();
        }
    }

    private static (IReadOnlyList<string> Usings, string Body) SplitUsings(string text)
    {
        var lines = text.Split('\n').ToList();
        var usings = new List<string>();
        while (lines.Count > 0 && lines[0].StartsWith("using ", StringComparison.Ordinal) && lines[0].EndsWith(';'))
        {
            usings.Add(lines[0]);
            lines.RemoveAt(0);
        }

        while (lines.Count > 0 && lines[0].Length == 0)
        {
            lines.RemoveAt(0);
        }

        return (usings, string.Join('\n', lines));
    }

    private static List<Region> Regions()
    {
        var dir = Path.Combine(ExampleFiles.Root, "snippets");
        var regions = new List<Region>();
        foreach (var path in Directory.EnumerateFiles(dir, "*.cs"))
        {
            var lines = File.ReadAllText(path).ReplaceLineEndings("\n").Split('\n');
            var usings = lines.Where(l => l.StartsWith("using ", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "#region snippet")
                {
                    continue;
                }

                var body = new List<string>();
                for (i++; i < lines.Length && lines[i].Trim() != "#endregion"; i++)
                {
                    body.Add(lines[i]);
                }

                int indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
                regions.Add(new Region(Path.GetFileName(path), string.Join('\n', body.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart())), usings));
            }
        }

        Assert.NotEmpty(regions);
        return regions;
    }
}
