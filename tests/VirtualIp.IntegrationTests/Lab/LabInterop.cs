using System.Runtime.InteropServices;

namespace VirtualIp.IntegrationTests.Lab;

/// <summary>P/Invokes the lab needs (test-only).</summary>
internal static partial class LabInterop
{
    internal const int CLONE_NEWNET = 0x40000000;
    internal const int SIGINT = 2;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    /// <summary>Moves the calling thread into the network namespace named <paramref name="ns"/>.</summary>
    internal static void EnterNetworkNamespace(string ns)
    {
        using var handle = File.OpenHandle($"/var/run/netns/{ns}", FileMode.Open, FileAccess.Read);
        if (SetNs((int)handle.DangerousGetHandle(), CLONE_NEWNET) != 0)
        {
            throw new InvalidOperationException($"setns into '{ns}' failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }
}
