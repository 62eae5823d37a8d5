namespace VirtualIp.Keepalived.Parsing;

/// <summary>Shell-style globbing (<c>*</c>, <c>?</c>, <c>[...]</c> in any path segment) for keepalived's <c>include</c>; sorted like glob(3).</summary>
internal static class Glob
{
    public static List<string> Expand(string pattern)
    {
        var result = new List<string>();
        if (pattern.IndexOfAny(['*', '?', '[']) < 0)
        {
            if (File.Exists(pattern))
            {
                result.Add(pattern);
            }

            return result;
        }

        string root = Path.IsPathRooted(pattern) ? Path.GetPathRoot(pattern)! : "";
        var segments = pattern[root.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        Walk(root.Length == 0 ? "." : root, segments, 0, result, root.Length == 0);
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static void Walk(string dir, string[] segments, int index, List<string> result, bool relative)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }

        string seg = segments[index];
        bool last = index == segments.Length - 1;
        IEnumerable<string> candidates;
        try
        {
            candidates = seg.IndexOfAny(['*', '?', '[']) < 0
                ? [Path.Combine(dir, seg)]
                : (last ? Directory.EnumerateFiles(dir) : Directory.EnumerateDirectories(dir))
                    .Where(p => Matches(Path.GetFileName(p), seg)).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var c in candidates)
        {
            string path = relative && dir == "." ? Path.GetFileName(c) : c;
            if (last)
            {
                if (File.Exists(c))
                {
                    result.Add(path);
                }
            }
            else
            {
                Walk(c, segments, index + 1, result, relative);
            }
        }
    }

    /// <summary>fnmatch(3) without flags: <c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[a-z]</c>, <c>[!x]</c>; a leading dot must be matched literally.</summary>
    internal static bool Matches(string name, string pattern)
    {
        if (name.StartsWith('.') && !pattern.StartsWith('.'))
        {
            return false;
        }

        return Match(name, 0, pattern, 0);
    }

    // Iterative wildcard match with one backtrack point (the last '*'): linear in practice and never exponential, however
    // many '*' a pattern holds (a recursive matcher took minutes on "*************x" against a long name: found by fuzzing).
    private static bool Match(string s, int si, string p, int pi)
    {
        int starP = -1, starS = -1;
        while (si < s.Length)
        {
            if (pi < p.Length && p[pi] == '*')
            {
                while (pi < p.Length && p[pi] == '*')
                {
                    pi++;
                }

                starP = pi;
                starS = si;
                continue;
            }

            if (pi < p.Length && MatchOne(s[si], p, pi, out int next))
            {
                pi = next;
                si++;
                continue;
            }

            if (starP < 0)
            {
                return false;
            }

            pi = starP;
            si = ++starS;
        }

        while (pi < p.Length && p[pi] == '*')
        {
            pi++;
        }

        return pi == p.Length;
    }

    /// <summary>Whether <paramref name="ch"/> matches the single pattern element at <paramref name="pi"/> (<c>?</c>, a set, or a literal); <paramref name="next"/> is the index after it.</summary>
    private static bool MatchOne(char ch, string p, int pi, out int next)
    {
        char c = p[pi];
        if (c == '[' && p.IndexOf(']', pi + 1) is int close and > 0)
        {
            string set = p[(pi + 1)..close];
            bool negate = set.Length > 0 && set[0] is '!' or '^';
            if (negate)
            {
                set = set[1..];
            }

            bool found = false;
            for (int k = 0; k < set.Length; k++)
            {
                if (k + 2 < set.Length && set[k + 1] == '-')
                {
                    found |= ch >= set[k] && ch <= set[k + 2];
                    k += 2;
                }
                else
                {
                    found |= ch == set[k];
                }
            }

            next = close + 1;
            return found != negate;
        }

        next = pi + 1;
        return c == '?' || c == ch;
    }
}
