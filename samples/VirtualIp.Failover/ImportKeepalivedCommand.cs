using VirtualIp.Keepalived;

namespace VirtualIp.Failover;

/// <summary>
/// <c>import-keepalived KEEPALIVED.CONF [--output FILE] [--config-id ID] [--include-root DIR]</c>: writes the equivalent appsettings.json
/// (stdout by default) and lists on stderr, as <c>FILE:LINE: DIRECTIVE: REASON</c>, every directive it cannot map.
/// Exit codes (sysexits.h): 0 all mapped, 3 written with something unmapped, 2 usage, 65 syntax error (EX_DATAERR),
/// 66 the file is missing (EX_NOINPUT), 73 the output cannot be written (EX_CANTCREAT).
/// </summary>
internal static class ImportKeepalivedCommand
{
    public const string Name = "import-keepalived";

    public const string Usage = """
        usage: VirtualIp.Failover import-keepalived KEEPALIVED.CONF [--output appsettings.json] [--config-id ID]
                                                  [--include-root DIR]
        Writes the VirtualIp configuration equivalent to a keepalived.conf (stdout unless --output) and prints every
        directive it cannot map as FILE:LINE: DIRECTIVE: REASON on stderr. --config-id is keepalived's -i (for @ID lines).
        --include-root reads only includes that really lie under DIR (links followed); others are listed as not read.
        Default: includes are read wherever they point, as keepalived reads them.
        Exit codes: 0 all mapped, 3 written but something is unmapped, 2 usage, 65 syntax error, 66 no such file,
        73 the output cannot be written.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? input = null, output = null, configId = null, includeRoot = null;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "-h" or "--help")
            {
                stdout.WriteLine(Usage);
                return 0;
            }

            if (a is "--output" or "-o" or "--config-id" or "--include-root")
            {
                if (i + 1 >= args.Length)
                {
                    return Fail(stderr, $"{a} needs a value.");
                }

                string value = args[++i];
                if (a == "--config-id")
                {
                    configId = value;
                }
                else if (a == "--include-root")
                {
                    includeRoot = value;
                }
                else
                {
                    output = value;
                }
            }
            else if (a.StartsWith('-') || input is not null)
            {
                return Fail(stderr, $"unexpected argument '{a}'.");
            }
            else
            {
                input = a;
            }
        }

        if (input is null)
        {
            return Fail(stderr, "the keepalived.conf to import is missing.");
        }

        KeepalivedImportResult result;
        try
        {
            result = KeepalivedImporter.ImportFile(input, new KeepalivedImportOptions { ConfigId = configId, IncludeRoot = includeRoot });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {input}: {ex.Message}");
            return 66; // EX_NOINPUT
        }

        foreach (var e in result.Errors)
        {
            stderr.WriteLine($"{e} (error)");
        }

        if (!result.Succeeded)
        {
            return 65; // EX_DATAERR
        }

        foreach (var u in result.Unmapped)
        {
            stderr.WriteLine(u);
        }

        if (output is null)
        {
            stdout.Write(result.Json);
            stdout.Flush();
        }
        else
        {
            try
            {
                File.WriteAllText(output, result.Json);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"error: cannot write {output}: {ex.Message}");
                return 73; // EX_CANTCREAT
            }
        }

        return result.Unmapped.Count == 0 ? 0 : 3;
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine(Usage);
        return 2;
    }
}
