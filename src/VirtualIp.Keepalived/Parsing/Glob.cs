namespace VirtualIp.Keepalived.Parsing;

/// <summary>
/// Shell-style globbing (<c>*</c>, <c>?</c>, <c>[...]</c> in any path segment) for keepalived's <c>include</c>; sorted like
/// glob(3). With an include root, folders outside it are not searched: a glob descends only through the root's parents
/// and takes files only from folders really inside the root.
/// </summary>
internal static class Glob
{
    /// <summary>The files <paramref name="pattern"/> matches; <paramref name="outside"/> counts the folders not searched because they lie outside <paramref name="root"/>.</summary>
    public static List<string> Expand(string pattern, IncludeRoot? root, out int outside)
    {
        outside = 0;
        var result = new List<string>();
        if (pattern.IndexOfAny(['*', '?', '[']) < 0)
        {
            if (File.Exists(pattern))
            {
                result.Add(pattern);
            }

            return result;
        }

        string top = Path.IsPathRooted(pattern) ? Path.GetPathRoot(pattern)! : "";
        var segments = pattern[top.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        Walk(new Walker(segments, result, top.Length == 0, root), top.Length == 0 ? "." : top, 0, ref outside);
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private sealed record Walker(string[] Segments, List<string> Result, bool Relative, IncludeRoot? Root);

    private static void Walk(Walker w, string dir, int index, ref int outside)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }

        string seg = w.Segments[index];
        bool last = index == w.Segments.Length - 1;
        if (w.Root is not null && !(last ? w.Root.Holds(dir, out _) : w.Root.MayLeadInto(dir)))
        {
            outside++;
            return;
        }

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
            string path = w.Relative && dir == "." ? Path.GetFileName(c) : c;
            if (last)
            {
                if (File.Exists(c))
                {
                    w.Result.Add(path);
                }
            }
            else
            {
                Walk(w, c, index + 1, ref outside);
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
