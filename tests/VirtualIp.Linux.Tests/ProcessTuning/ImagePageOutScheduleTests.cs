using Microsoft.Extensions.Time.Testing;
using VirtualIp.Linux.ProcessTuning;

namespace VirtualIp.Linux.Tests.ProcessTuning;

/// <summary>The image is paged out once the process has been quiet: after the start and after each state change.</summary>
public sealed class ImagePageOutScheduleTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    [Fact]
    public void Pages_out_once_after_the_quiet_period_and_again_after_the_next_change()
    {
        var time = new FakeTimeProvider();
        int calls = 0;
        using var schedule = new ImagePageOutSchedule(time, Quiet, () => calls++);

        schedule.Changed(); // the start
        time.Advance(Quiet - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, calls);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, calls);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, calls); // quiet: nothing more to drop

        schedule.Changed(); // a takeover
        time.Advance(Quiet);
        Assert.Equal(2, calls);
        Assert.Equal(2, schedule.PageOuts);
    }

    [Fact]
    public void A_change_inside_the_quiet_period_restarts_the_wait()
    {
        var time = new FakeTimeProvider();
        int calls = 0;
        using var schedule = new ImagePageOutSchedule(time, Quiet, () => calls++);

        schedule.Changed();
        for (int i = 0; i < 10; i++) // a flapping router: a change every 4 s
        {
            time.Advance(TimeSpan.FromSeconds(4));
            schedule.Changed();
        }

        Assert.Equal(0, calls);
        time.Advance(Quiet);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Nothing_fires_after_dispose()
    {
        var time = new FakeTimeProvider();
        int calls = 0;
        var schedule = new ImagePageOutSchedule(time, Quiet, () => calls++);
        schedule.Changed();
        schedule.Dispose();
        schedule.Changed();
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, calls);
    }
}
