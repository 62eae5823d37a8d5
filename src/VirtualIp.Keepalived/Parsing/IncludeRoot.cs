namespace VirtualIp.Keepalived.Parsing;

/// <summary>
/// The folder <c>include</c> is confined to (<see cref="KeepalivedImportOptions.IncludeRoot"/>). Paths are judged by
/// where they really are: every symbolic link on the way is followed to its final target and <c>..</c> is applied
/// after the link before it (as the kernel does), so neither a link inside the root nor <c>..</c> leads out of it.
/// </summary>
internal sealed class IncludeRoot
{
    // As the kernel's ELOOP limit: more links than this on one path is a loop.
    private const int MaxLinks = 40;

    private IncludeRoot(string folder) => Folder = folder;

    /// <summary>The root's real path (absolute, links resolved, no trailing separator except for the file system root).</summary>
    public string Folder { get; }

    /// <summary>The confinement for <paramref name="root"/> (relative to the current directory), or null when <paramref name="root"/> is null.</summary>
    public static IncludeRoot? Create(string? root) =>
        root is null ? null : new IncludeRoot(Resolve(root) ?? System.IO.Path.GetFullPath(root));

    /// <summary>Whether the file or folder <paramref name="path"/> really lies in the root; <paramref name="real"/> is where it is (null for a link loop).</summary>
    public bool Holds(string path, out string? real)
    {
        real = Resolve(path);
        return real is not null && IsUnder(real, Folder);
    }

    /// <summary>Whether a glob may look into <paramref name="directory"/> for folders: it is the root, inside it, or on the way to it.</summary>
    public bool MayLeadInto(string directory)
    {
        string? real = Resolve(directory);
        return real is not null && (IsUnder(real, Folder) || IsUnder(Folder, real));
    }

    private static bool IsUnder(string path, string folder) =>
        path.Length == folder.Length ? string.Equals(path, folder, StringComparison.Ordinal)
        : path.StartsWith(folder, StringComparison.Ordinal)
          && (folder.EndsWith(System.IO.Path.DirectorySeparatorChar) || path[folder.Length] == System.IO.Path.DirectorySeparatorChar);

    /// <summary>
    /// realpath(3) without requiring the path to exist: the absolute path with every symbolic link replaced by its
    /// target (repeatedly) and <c>.</c>/<c>..</c> applied to the real folder they follow. Null for a link loop or a
    /// path that cannot be examined.
    /// </summary>
    internal static string? Resolve(string path)
    {
        // Not Path.GetFullPath: it applies ".." to the text, and "link/../x" is not "x" when link leads elsewhere.
        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        string full = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Join(Environment.CurrentDirectory, path);

        string root = System.IO.Path.GetPathRoot(full) ?? "/";
        var pending = new Stack<string>();
        Push(pending, full[root.Length..]);
        string current = root;
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part is "." or "")
            {
                continue;
            }

            if (part == "..")
            {
                current = System.IO.Path.GetDirectoryName(current) ?? current;
                continue;
            }

            string next = System.IO.Path.Join(current, part);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }

            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            if (System.IO.Path.IsPathRooted(target))
            {
                current = System.IO.Path.GetPathRoot(target) ?? root;
                target = target[current.Length..];
            }

            Push(pending, target);
        }

        return current;
    }

    private static void Push(Stack<string> pending, string relative)
    {
        var parts = relative.Split([System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar]);
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
