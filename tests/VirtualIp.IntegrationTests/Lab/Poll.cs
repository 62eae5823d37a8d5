using System.Diagnostics;

namespace VirtualIp.IntegrationTests.Lab;

/// <summary>Polling for a condition on the real kernel, where effects land on other threads or processes.</summary>
internal static class Poll
{
    /// <summary>True as soon as <paramref name="condition"/> holds (checked every 20 ms); false after <paramref name="timeout"/>.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }
}
