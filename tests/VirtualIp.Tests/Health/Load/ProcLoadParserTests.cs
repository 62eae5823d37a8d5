using VirtualIp.Health.Load;

namespace VirtualIp.Tests.Health.Load;

public sealed class ProcLoadParserTests
{
    [Fact]
    public void Pressure_reads_some_avg10()
    {
        const string text = "some avg10=53.18 avg60=14.43 avg300=8.87 total=4406044608\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
        Assert.True(ProcLoadParser.TryParsePressureSomeAvg10(text, out var v));
        Assert.Equal(53.18, v);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("full avg10=1.00 avg60=0.00 avg300=0.00 total=0")]
    [InlineData("some avg60=1.00")]
    [InlineData("some avg10=abc avg60=0.00")]
    [InlineData("some avg10=-1 avg60=0.00")]
    [InlineData("\0\0\xff")]
    public void Pressure_rejects_bad_text(string? text) => Assert.False(ProcLoadParser.TryParsePressureSomeAvg10(text, out _));

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
