using System.Text;

namespace VirtualIp.Keepalived.Parsing;

/// <summary>
/// keepalived's line-level processing: comments (<c>#</c> and <c>!</c> at the start of a word, outside quotes),
/// conditional lines (<c>@ID</c>, <c>@^ID</c>), definitions (<c>$NAME=value</c>, used as <c>$NAME</c> or <c>${NAME}</c>)
/// and <c>include</c> with globs relative to the including file, confined to <paramref name="includeRoot"/> when set.
/// Never throws on input.
/// </summary>
internal sealed class KeepalivedPreprocessor(string? configId, Diagnostics diagnostics, IncludeRoot? includeRoot = null)
{
    private const int MaxIncludeDepth = 16;
    private const long MaxIncludeBytes = 16 * 1024 * 1024;

    // What all includes of one import may read together, and a binary check: a glob such as /*/* matches hundreds of
    // programs, each under the per-file limit, whose parse took minutes (found by fuzzing).
    private const long MaxTotalIncludeBytes = 16 * 1024 * 1024;
    private long _includedBytes;
    private readonly Dictionary<string, string> _definitions = new(StringComparer.Ordinal);
    private readonly List<SourceLine> _lines = [];

    public List<SourceLine> Run(string file, string text, string directory)
    {
        Process(file, text, directory, 0, []);
        return _lines;
    }

    private void Process(string file, string text, string directory, int depth, HashSet<string> open)
    {
        var raw = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < raw.Length; i++)
        {
            int number = i + 1;
            string line = StripComment(raw[i]).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] == '@' && !ApplyCondition(file, number, ref line))
            {
                continue;
            }

            if (line[0] == '$' && TryDefine(file, number, line))
            {
                continue;
            }

            if (_definitions.Count > 0 && line.Contains('$', StringComparison.Ordinal))
            {
                line = Expand(line);
            }

            if (line.StartsWith("include", StringComparison.Ordinal) && (line.Length == 7 || char.IsWhiteSpace(line[7])))
            {
                Include(file, number, line[7..].Trim().Trim('"'), directory, depth, open);
                continue;
            }

            _lines.Add(new SourceLine(file, number, line));
        }
    }

    private bool ApplyCondition(string file, int number, ref string line)
    {
        bool negate = line.Length > 1 && line[1] == '^';
        int start = negate ? 2 : 1;
        int end = line.IndexOfAny([' ', '\t'], start);
        if (end < 0)
        {
            diagnostics.Unmap(file, number, line, "a conditional line with nothing after the config id");
            return false;
        }

        string id = line[start..end];
        string rest = line[end..].Trim();
        bool matches = configId is not null && string.Equals(configId, id, StringComparison.Ordinal);
        if (configId is null)
        {
            diagnostics.Unmap(file, number, "@" + (negate ? "^" : "") + id,
                $"conditional on config id '{id}'; {(negate ? "applied" : "skipped")} as keepalived does without -i (import with --config-id {id} to choose)");
        }

        line = rest;
        return matches != negate && rest.Length > 0;
    }

    private bool TryDefine(string file, int number, string line)
    {
        int eq = line.IndexOf('=', StringComparison.Ordinal);
        if (eq < 2 || !(char.IsAsciiLetter(line[1]) || line[1] == '_'))
        {
            return false;
        }

        string name = line[1..eq].TrimEnd();
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        string value = line[(eq + 1)..].Trim();
        if (value.EndsWith('\\'))
        {
            diagnostics.Unmap(file, number, "$" + name, "multi-line definitions are not supported; the definition is ignored");
            return true;
        }

        _definitions[name] = Expand(value);
        return true;
    }

    private string Expand(string line)
    {
        var sb = new StringBuilder(line.Length);
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] == '$' && i + 1 < line.Length)
            {
                bool braced = line[i + 1] == '{';
                int start = braced ? i + 2 : i + 1;
                int end = start;
                while (end < line.Length && (char.IsAsciiLetterOrDigit(line[end]) || line[end] == '_'))
                {
                    end++;
                }

                bool closed = !braced || (end < line.Length && line[end] == '}');
                if (end > start && closed && _definitions.TryGetValue(line[start..end], out var value))
                {
                    sb.Append(value);
                    i = braced ? end : end - 1;
                    continue;
                }
            }

            sb.Append(line[i]);
        }

        return sb.ToString();
    }

    private void Include(string file, int number, string pattern, string directory, int depth, HashSet<string> open)
    {
        if (pattern.Length == 0)
        {
            diagnostics.Unmap(file, number, "include", "no file named");
            return;
        }

        if (depth >= MaxIncludeDepth)
        {
            diagnostics.Error(file, number, $"include nested more than {MaxIncludeDepth} deep");
            return;
        }

        var matches = Glob.Expand(Path.IsPathRooted(pattern) ? pattern : Path.Combine(directory, pattern), includeRoot, out int outside);
        if (outside > 0)
        {
            diagnostics.Unmap(file, number, "include",
                $"'{pattern}' reaches outside the include root '{includeRoot!.Folder}': {outside} folder(s) there not searched");
        }

        if (matches.Count == 0)
        {
            if (outside == 0)
            {
                diagnostics.Unmap(file, number, "include", $"no file matches '{pattern}'");
            }

            return;
        }

        foreach (var path in matches)
        {
            string full = Path.GetFullPath(path);
            if (open.Contains(full))
            {
                diagnostics.Error(file, number, $"include loop: '{path}' includes itself");
                continue;
            }

            string? real = null;
            if (includeRoot is not null && !includeRoot.Holds(path, out real))
            {
                diagnostics.Unmap(file, number, "include", real is null
                    ? $"'{path}' is a symbolic link loop: not read"
                    : $"'{path}' is '{real}', outside the include root '{includeRoot.Folder}': not read");
                continue;
            }

            string text;
            try
            {
                // Only non-empty files up to MaxIncludeBytes: a FIFO, socket or device (st_size 0, e.g. /dev/console, which
                // blocks, or /dev/zero, which never ends) matched by a glob must not hang the import (found by fuzzing).
                // A symbolic link's own length is that of its target's name, so judge the file it finally points to (also
                // found by fuzzing: /dev/stderr -> /proc/self/fd/2 -> a pipe passed the size check and the read blocked).
                FileInfo? target = new FileInfo(real ?? full);
                if (target.LinkTarget is not null)
                {
                    target = target.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
                }

                long length = target is { Exists: true } ? target.Length : 0;
                if (length is 0 or > MaxIncludeBytes)
                {
                    diagnostics.Unmap(file, number, "include", length == 0
                        ? $"'{path}' is empty or not a regular file (FIFO, socket, device): not read"
                        : $"'{path}' is larger than {MaxIncludeBytes / (1024 * 1024)} MiB: not read");
                    continue;
                }

                if (_includedBytes + length > MaxTotalIncludeBytes)
                {
                    diagnostics.Unmap(file, number, "include", $"'{path}' not read: the includes of one import read at most {MaxTotalIncludeBytes / (1024 * 1024)} MiB together");
                    continue;
                }

                text = File.ReadAllText(real ?? target!.FullName);
                _includedBytes += length;
                if (text.Contains('\0', StringComparison.Ordinal))
                {
                    diagnostics.Unmap(file, number, "include", $"'{path}' is a binary file (it holds NUL bytes): not read");
                    continue;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                diagnostics.Unmap(file, number, "include", $"'{path}' cannot be read: {ex.Message}");
                continue;
            }

            open.Add(full);
            Process(path, text, Path.GetDirectoryName(full) ?? directory, depth + 1, open);
            open.Remove(full);
        }
    }

    /// <summary>The line without its comment: <c>#</c> or <c>!</c> at the start of the line or after a blank, outside double quotes.</summary>
    internal static string StripComment(string line)
    {
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && (c is '#' or '!') && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i];
            }
        }

        return line;
    }
}
