using Microsoft.Extensions.Time.Testing;
using VirtualIp.Health;
using VirtualIp.Health.Load;

namespace VirtualIp.Tests.Health.Load;

public sealed class LoadReaderTests
{
    [Fact]
    public void Process_pressure_is_run_queue_wait_per_wall_time_after_a_baseline()
    {
        var time = new FakeTimeProvider();
        var waits = new Dictionary<int, long> { [1] = 1_000_000, [2] = 0 };
        var reader = new ProcessCpuPressureReader(time, () => new Dictionary<int, long>(waits));
        Assert.False(reader.TryRead(out _)); // baseline

        time.Advance(TimeSpan.FromSeconds(1));
        waits[1] += 200_000_000; // 200 ms waited in 1 s by thread 1
        waits[2] += 100_000_000; // and 100 ms by thread 2
        waits[3] = 50_000_000; // a new thread: counted from 0
        Assert.True(reader.TryRead(out var v));
        Assert.Equal(35.0, v, 6);

        time.Advance(TimeSpan.FromMilliseconds(500));
        waits.Remove(1); // ended: left out, no negative wait
        Assert.True(reader.TryRead(out v));
        Assert.Equal(0.0, v, 6);
    }

    [Fact]
    public void Process_pressure_of_this_process_reads_its_threads()
    {
        var waits = ProcessCpuPressureReader.ReadThreadWaits();
        if (!File.Exists("/proc/self/schedstat"))
        {
            Assert.Empty(waits); // not Linux, or schedstats off: no reading, never an exception
            return;
        }

        Assert.Contains(Environment.ProcessId, waits.Keys); // the main thread's id is the process id
    }

    [Fact]
    public void Psi_pressure_is_the_growth_of_some_total_per_wall_time_after_a_baseline()
    {
        var time = new FakeTimeProvider();
        long total = 1_000_000;
        string path = "/sys/fs/cgroup/a/cpu.pressure";
        var reader = new PressureReader(time, () => (path, $"some avg10=0.00 avg60=0.00 avg300=0.00 total={total}\nfull total=0"));
        Assert.False(reader.TryRead(out _)); // baseline
        time.Advance(TimeSpan.FromSeconds(2));
        total += 500_000; // 0.5 s of 2 s under pressure
        Assert.True(reader.TryRead(out var v));
        Assert.Equal(25.0, v, 6);

        path = "/sys/fs/cgroup/b/cpu.pressure"; // moved to another cgroup: a new baseline
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(reader.TryRead(out _));
        time.Advance(TimeSpan.FromSeconds(1));
        total += 1_000_000;
        Assert.True(reader.TryRead(out v));
        Assert.Equal(100.0, v, 6);
        Assert.False(new PressureReader(time, () => (null, null)).TryRead(out _));
    }

    [Fact]
    public void The_machines_psi_reads_on_linux_with_psi()
    {
        var time = new FakeTimeProvider();
        var reader = PressureReader.System(time);
        bool first = reader.TryRead(out _);
        Assert.False(first); // a rate: the first reading is the baseline, with or without PSI
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(File.Exists("/proc/pressure/cpu"), reader.TryRead(out var v));
        Assert.InRange(v, 0, 100);
    }

    [Fact]
    public void Load_average_is_per_cpu()
    {
        Assert.True(new LoadAverageReader(() => "3.00 1 1 1/1 1", processors: 2).TryRead(out var l));
        Assert.Equal(1.5, l);
        Assert.False(new LoadAverageReader(() => null).TryRead(out _));
    }

    [Fact]
    public void Connections_come_from_the_source_by_forwarder_name()
    {
        var source = new FakeConnections { ["web"] = 42 };
        Assert.True(new ConnectionsReader(source, "web").TryRead(out var v));
        Assert.Equal(42, v);
        Assert.False(new ConnectionsReader(source, "other").TryRead(out _));
        Assert.False(new ConnectionsReader(null, "web").TryRead(out _));
    }

    private sealed class FakeConnections : Dictionary<string, int>, IActiveConnectionsSource
    {
        public bool TryGetActiveConnections(string forwarder, out int count) => TryGetValue(forwarder, out count);
    }
}
