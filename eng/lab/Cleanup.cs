namespace VirtualIp.Lab;

/// <summary>Things to undo on every way out: normal exit, exception, Ctrl-C, SIGTERM. Shared by the namespace labs (linked source).</summary>
internal static class Cleanup
{
    private static readonly List<Action> s_actions = [];

    static Cleanup() => AppDomain.CurrentDomain.ProcessExit += (_, _) => RunAll();

    public static void Register(Action action)
    {
        lock (s_actions)
        {
            s_actions.Add(action);
        }
    }

    /// <summary>Runs the registered actions newest first (processes before namespaces); each at most once.</summary>
    public static void RunAll()
    {
        while (true)
        {
            Action a;
            lock (s_actions)
            {
                if (s_actions.Count == 0)
                {
                    return;
                }

                a = s_actions[^1];
                s_actions.RemoveAt(s_actions.Count - 1);
            }

            try
            {
                a();
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine("cleanup: " + ex.Message);
            }
        }
    }
}
