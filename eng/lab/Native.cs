using System.Runtime.InteropServices;

namespace VirtualIp.Lab;

/// <summary>
/// The few libc calls the namespace labs need (signals, setns, a netlink socket for the chaos address sampler), declared
/// once for eng/chaos/VirtualIp.Chaos and benchmarks/VirtualIp.FailoverBench (linked source).
/// </summary>
internal static partial class Native
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;
    private const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNsNative(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static unsafe partial nint Send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static unsafe partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false if the process is gone.</summary>
    public static bool Kill(int pid, int signal) => pid > 0 && KillNative(pid, signal) == 0;

    /// <summary>Moves the calling thread into the named network namespace.</summary>
    public static void EnterNetworkNamespace(string ns)
    {
        using var handle = File.OpenHandle($"/var/run/netns/{ns}", FileMode.Open, FileAccess.Read);
        if (SetNsNative((int)handle.DangerousGetHandle(), CLONE_NEWNET) != 0)
        {
            throw new InvalidOperationException($"setns into '{ns}' failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Runs <paramref name="work"/> on a fresh thread inside <paramref name="ns"/> and returns its result.</summary>
    public static T RunIn<T>(string ns, Func<T> work)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                EnterNetworkNamespace(ns);
                result = work();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        })
        { IsBackground = true, Name = "netns " + ns };
        thread.Start();
        thread.Join();
        return error is null ? result : throw new InvalidOperationException($"in namespace {ns}: {error.Message}", error);
    }
}
