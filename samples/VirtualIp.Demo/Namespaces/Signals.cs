using System.Runtime.InteropServices;

namespace VirtualIp.Demo.Namespaces;

/// <summary>POSIX signals for the node processes: freeze (SIGSTOP), kill (SIGKILL), stop gracefully (SIGTERM).</summary>
internal static partial class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigStop = 19;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false if the process is gone.</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
