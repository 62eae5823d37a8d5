using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualIp.Linux.ProcessTuning;
using VirtualIp.Testing;

namespace VirtualIp.Linux.Tests.ProcessTuning;

/// <summary>
/// Real-time scheduling and memory settings (<see cref="LinuxProcessOptions"/>): applied to a child process, never to
/// the test host itself (SCHED_RR on a test runner would compete with the whole machine).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProcessTunerTests
{
    /// <summary>Policy (field 41) and rt_priority (field 40) of each thread, from /proc/PID/task/TID/stat.</summary>
    internal static IReadOnlyList<(int Tid, int Policy, int Priority)> ThreadPolicies(int pid)
    {
        var result = new List<(int, int, int)>();
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            string stat = File.ReadAllText(Path.Combine(task, "stat"));
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields[0] is field 3 (state)
            result.Add((int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture),
                int.Parse(fields[41 - 3], CultureInfo.InvariantCulture), int.Parse(fields[40 - 3], CultureInfo.InvariantCulture)));
        }

        return result;
    }

    [Fact]
    public void SetRealtime_puts_every_thread_of_a_child_under_SCHED_RR()
    {
        TestEnvironment.RequireRootAndTools("sleep");
        using var child = Process.Start(new ProcessStartInfo(TestEnvironment.FindOnPath("sleep")!, "30") { UseShellExecute = false })!;
        try
        {
            Assert.All(ThreadPolicies(child.Id), t => Assert.Equal(0, t.Policy)); // SCHED_OTHER before
            int set = ProcessTuner.SetRealtime(child.Id, 5);
            var threads = ThreadPolicies(child.Id);
            Assert.Equal(threads.Count, set);
            Assert.All(threads, t => Assert.Equal((2, 5), (t.Policy, t.Priority))); // SCHED_RR = 2
            Assert.Equal(2, ProcessTuner.Policy(threads[0].Tid));
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    [Fact]
    public void SetRealtime_for_a_process_that_does_not_exist_is_a_typed_error_with_ESRCH()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux");
        var ex = Assert.Throws<LinuxProcessException>(() => ProcessTuner.SetRealtime(int.MaxValue, 5));
        Assert.Equal(3, ex.ErrorCode);
        Assert.Contains("ESRCH", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void SetRealtime_outside_1_to_99_names_the_value(int priority)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ProcessTuner.SetRealtime(0, priority));
        Assert.Equal("priority", ex.ParamName);
    }

    [Fact]
    public void The_exception_carries_errno_name_and_hint()
    {
        var ex = new LinuxProcessException("sched_setscheduler refused", 1, "needs CAP_SYS_NICE");
        Assert.Equal("sched_setscheduler refused (EPERM, errno 1): needs CAP_SYS_NICE", ex.Message);
        Assert.Equal(1, ex.ErrorCode);
        Assert.Equal("needs CAP_SYS_NICE", ex.Hint);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(99, true)]
    [InlineData(100, false)]
    public void Options_validate_the_priority_range_at_start(int priority, bool valid)
    {
        var services = new ServiceCollection();
        services.AddVirtualIp(_ => { }).UseLinuxProcess(o => o.RealtimePriority = priority).UseLinuxProcess(o => o.LockMemory = false);
        Assert.Single(services, d => d.ServiceType == typeof(ProcessTuningService)); // a second call adds no second service
        using var sp = services.BuildServiceProvider();
        if (valid)
        {
            Assert.Equal(priority, sp.GetRequiredService<IOptions<LinuxProcessOptions>>().Value.RealtimePriority);
        }
        else
        {
            var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<LinuxProcessOptions>>().Value);
            Assert.Contains($"RealtimePriority = {priority.ToString(CultureInfo.InvariantCulture)} is out of range 0..99", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(50, false)]
    [InlineData(100, true)]
    [InlineData(3_600_000, true)]
    [InlineData(3_600_001, false)]
    public void Options_validate_the_page_out_quiet_period(int milliseconds, bool valid)
    {
        var services = new ServiceCollection();
        var quiet = TimeSpan.FromMilliseconds(milliseconds);
        services.AddVirtualIp(_ => { }).UseLinuxProcess(o => o.PageOutQuietPeriod = quiet);
        using var sp = services.BuildServiceProvider();
        if (valid)
        {
            Assert.Equal(quiet, sp.GetRequiredService<IOptions<LinuxProcessOptions>>().Value.PageOutQuietPeriod);
        }
        else
        {
            var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<LinuxProcessOptions>>().Value);
            Assert.Contains("PageOutQuietPeriod", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TrimMemory_runs_where_glibc_or_musl_is()
    {
        TestEnvironment.Require(OperatingSystem.IsLinux(), "needs Linux");
        long before = GC.CollectionCount(2);
        ProcessTuner.TrimMemory(); // true or false: both fine; it must not throw, and it collects
        Assert.True(GC.CollectionCount(2) > before);
    }
}
