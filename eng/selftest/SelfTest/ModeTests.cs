namespace SelfTest;

/// <summary>
/// Tests that drive each path of test.sh. SELFTEST_MODE=mixed: one deterministic failure, one flake (fails on the
/// first run only), one test that skips on the retry and one theory row that no longer exists on the retry.
/// SELFTEST_MODE=crash: the test host dies mid-run. SELFTEST_STATE is a folder that survives between the first
/// run and test.sh's retry, so a test can behave differently on the retry.
/// </summary>
public sealed class ModeTests
{
    private static string Mode => Environment.GetEnvironmentVariable("SELFTEST_MODE") ?? "pass";

    private static string StateDir => Environment.GetEnvironmentVariable("SELFTEST_STATE") ?? Path.GetTempPath();

    private static bool Mixed => Mode == "mixed";

    /// <summary>True the first time it is called for <paramref name="what"/> (then leaves a mark in SELFTEST_STATE).</summary>
    private static bool FirstRun(string what)
    {
        var mark = Path.Combine(StateDir, what + ".ran");
        if (File.Exists(mark))
        {
            return false;
        }

        File.WriteAllText(mark, "ran");
        return true;
    }

    /// <summary>Rows of <see cref="Vanishes_on_retry"/>: "first" until it has run once, then "second".</summary>
    public static TheoryData<string> Rows() =>
        Mixed && File.Exists(Path.Combine(StateDir, "vanish.ran")) ? new("second") : new("first");

    [Fact]
    public void Always_passes() => Assert.Equal(4, 2 + 2);

    [Fact]
    public void Fails_every_time() => Assert.False(Mixed, "deterministic failure (SELFTEST_MODE=mixed)");

    [Fact]
    public void Fails_on_the_first_run_only() => Assert.False(Mixed && FirstRun("flaky"), "a flake (SELFTEST_MODE=mixed)");

    [Fact]
    public void Skips_on_retry()
    {
        if (Mixed)
        {
            Assert.SkipUnless(FirstRun("skip"), "skips on the retry (SELFTEST_MODE=mixed)");
            Assert.Fail("fails on the first run (SELFTEST_MODE=mixed)");
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Vanishes_on_retry(string row)
    {
        // The row that failed ("first") no longer exists on the retry, whose filter finds only "second" (which
        // passes): the failed test has no result of its own on the retry.
        if (Mixed)
        {
            FirstRun("vanish");
            Assert.Equal("second", row);
        }
    }

    [Fact]
    public void Crashes_the_host()
    {
        if (Mode == "crash")
        {
            Environment.FailFast("test host crash (SELFTEST_MODE=crash)");
        }
    }
}
