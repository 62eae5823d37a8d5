using VirtualIp.Health.Load;

namespace VirtualIp.Tests.Health.Load;

public sealed class ProcLoadParserTests
{
    [Fact]
    public void Pressure_reads_the_some_total()
    {
        const string text = "some avg10=53.18 avg60=14.43 avg300=8.87 total=4406044608\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
        Assert.True(ProcLoadParser.TryParsePressureSomeTotal(text, out var v));
        Assert.Equal(4406044608, v);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("full avg10=1.00 avg60=0.00 avg300=0.00 total=5")]
    [InlineData("some avg10=1.00")]
    [InlineData("some avg10=1.00 total=abc")]
    [InlineData("some total=-1")]
    [InlineData("\0\0\xff")]
    public void Pressure_rejects_bad_text(string? text) => Assert.False(ProcLoadParser.TryParsePressureSomeTotal(text, out _));

    [Fact]
    public void Cgroup_path_and_mount_are_found()
    {
        Assert.True(ProcLoadParser.TryParseCgroupV2Path("9:name=systemd:/\n8:pids:/\n0::/lab/n1\n", out var path));
        Assert.Equal("/lab/n1", path);
        Assert.False(ProcLoadParser.TryParseCgroupV2Path("9:name=systemd:/\n", out _));
        Assert.False(ProcLoadParser.TryParseCgroupV2Path("0::/../etc\n", out _));
        const string mounts = "24 29 0:22 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
            + "35 30 0:30 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw\n";
        Assert.True(ProcLoadParser.TryParseCgroup2Mount(mounts, out var mount));
        Assert.Equal("/sys/fs/cgroup/unified", mount);
        Assert.False(ProcLoadParser.TryParseCgroup2Mount("24 29 0:22 / /sys rw - sysfs sysfs rw", out _));
        Assert.False(ProcLoadParser.TryParseCgroup2Mount("garbage - cgroup2", out _));
    }

    [Fact]
    public void Load_average_reads_the_one_minute_figure()
    {
        Assert.True(ProcLoadParser.TryParseLoadAverage("3.52 0.58 0.59 1/467 12345\n", out var v));
        Assert.Equal(3.52, v);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("x 0.58")]
    [InlineData("NaN 1 1")]
    public void Load_average_rejects_bad_text(string? text) => Assert.False(ProcLoadParser.TryParseLoadAverage(text, out _));

    [Fact]
    public void Schedstat_reads_the_run_queue_wait()
    {
        Assert.True(ProcLoadParser.TryParseSchedstatWait("2918865 551010 1\n", out var v));
        Assert.Equal(551010, v);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2918865")]
    [InlineData("1 -5 1")]
    [InlineData("1 99999999999999999999999 1")]
    public void Schedstat_rejects_bad_text(string? text) => Assert.False(ProcLoadParser.TryParseSchedstatWait(text, out _));
}
