namespace VirtualIp.Keepalived.Parsing;

/// <summary>
/// Turns preprocessed lines into directives with blocks. A block opens with <c>{</c> on the directive's line or on
/// the next one and closes with <c>}</c>; directives and braces may share a line (<c>group { VI_1 VI_2 }</c> is two
/// directives in a block). Never throws: an unterminated block or string is an error with its line.
/// </summary>
internal static class KeepalivedParser
{
    public static bool TryParse(IReadOnlyList<SourceLine> lines, Diagnostics diagnostics, out List<ConfigNode> root)
    {
        int errors = diagnostics.Errors.Count;
        root = [];
        var stack = new Stack<(ConfigNode Owner, List<ConfigNode> Children)>();
        var current = root;
        ConfigNode? last = null;
        foreach (var line in lines)
        {
            var pending = new List<string>();
            void Flush()
            {
                if (pending.Count > 0)
                {
                    last = new ConfigNode(pending[0], pending.Skip(1).ToList(), line.File, line.Number);
                    current.Add(last);
                    pending = [];
                }
            }

            if (!Tokenize(line, diagnostics, out var tokens))
            {
                continue;
            }

            foreach (var (token, isBrace) in tokens)
            {
                if (isBrace && token == "{")
                {
                    Flush();
                    if (last is null || last.Block is not null)
                    {
                        diagnostics.Error(line.File, line.Number, "'{' without a directive to open a block for");
                        last = new ConfigNode("{", [], line.File, line.Number);
                        current.Add(last);
                    }

                    last.Block = [];
                    stack.Push((last, current));
                    current = last.Block;
                    last = null;
                }
                else if (isBrace)
                {
                    Flush();
                    if (stack.Count == 0)
                    {
                        diagnostics.Error(line.File, line.Number, "'}' closes no block");
                        continue;
                    }

                    var (owner, parent) = stack.Pop();
                    current = parent;
                    last = owner;
                }
                else
                {
                    pending.Add(token);
                }
            }

            Flush();
        }

        while (stack.Count > 0)
        {
            var (owner, _) = stack.Pop();
            diagnostics.Error(owner.File, owner.Line, $"block '{owner.Text}' opened here is not closed");
        }

        return diagnostics.Errors.Count == errors;
    }

    /// <summary>Words, double-quoted strings (quotes removed) and braces of one line.</summary>
    private static bool Tokenize(SourceLine line, Diagnostics diagnostics, out List<(string Token, bool IsBrace)> tokens)
    {
        tokens = [];
        string s = line.Text;
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '{' or '}')
            {
                tokens.Add((c.ToString(), true));
                i++;
            }
            else if (c == '"')
            {
                int end = s.IndexOf('"', i + 1);
                if (end < 0)
                {
                    diagnostics.Error(line.File, line.Number, "unterminated quoted string");
                    return false;
                }

                tokens.Add((s[(i + 1)..end], false));
                i = end + 1;
            }
            else
            {
                int start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not ('{' or '}' or '"'))
                {
                    i++;
                }

                tokens.Add((s[start..i], false));
            }
        }

        return true;
    }
}
