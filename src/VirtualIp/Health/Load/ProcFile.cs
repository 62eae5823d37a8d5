namespace VirtualIp.Health.Load;

/// <summary>Reads small procfs files; a missing or unreadable file is null, never an exception.</summary>
internal static class ProcFile
{
    public static string? TryReadAllText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
