namespace VirtualIp.Fuzz;

/// <summary>Runs a target once on each file given (or each file of each folder given), without AFL.</summary>
internal static class Replay
{
    public static int Run(FuzzTarget target, string[] paths)
    {
        int runs = 0, crashes = 0;
        foreach (var path in paths)
        {
            var files = Directory.Exists(path) ? Directory.GetFiles(path).Order(StringComparer.Ordinal).ToArray() : [path];
            foreach (var file in files)
            {
                runs++;
                try
                {
                    target(File.ReadAllBytes(file));
                }
                catch (Exception ex)
                {
                    crashes++;
                    Console.Error.WriteLine($"CRASH {file}: {ex}");
                }
            }
        }

        Console.WriteLine($"replayed {runs} input(s): {crashes} crash(es)");
        return crashes == 0 ? 0 : 1;
    }
}
