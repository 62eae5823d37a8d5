namespace VirtualIp.Vrrp;

/// <summary>
/// Rate limit for warnings about received packets (RFC 9568 7.1: "SHOULD log ... subject to rate limiting"): per key,
/// the first occurrence is logged at once, later ones are counted and summarised at most once per window (one minute)
/// with their count. A flood of junk therefore costs one line per reason per minute. Not thread-safe (used under the
/// router's lock); allocation-free.
/// </summary>
internal sealed class RejectLogLimiter
{
    private readonly long _window;
    private readonly long[] _windowStart;
    private readonly long[] _suppressed;
    private readonly bool[] _seen;

    /// <param name="keys">How many distinct keys (reasons).</param>
    /// <param name="window">The summary window in timestamp ticks.</param>
    public RejectLogLimiter(int keys, long window)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keys);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        _window = window;
        _windowStart = new long[keys];
        _suppressed = new long[keys];
        _seen = new bool[keys];
    }

    /// <summary>What to log for this occurrence.</summary>
    public enum Decision
    {
        /// <summary>Nothing (counted for the next summary).</summary>
        Suppress,
        /// <summary>The first occurrence for this key: log it in full.</summary>
        First,
        /// <summary>A window ended: log a summary with the count from <see cref="Hit"/>.</summary>
        Summary,
    }

    /// <summary>
    /// Records an occurrence of <paramref name="key"/> at <paramref name="now"/>; <paramref name="count"/> is, for a
    /// <see cref="Decision.Summary"/>, how many occurrences were suppressed since the last line (this one included).
    /// </summary>
    public Decision Hit(int key, long now, out long count)
    {
        if ((uint)key >= (uint)_seen.Length)
        {
            count = 0;
            return Decision.Suppress;
        }

        if (!_seen[key])
        {
            _seen[key] = true;
            _windowStart[key] = now;
            count = 1;
            return Decision.First;
        }

        long n = ++_suppressed[key];
        if (now - _windowStart[key] >= _window)
        {
            _windowStart[key] = now;
            _suppressed[key] = 0;
            count = n;
            return Decision.Summary;
        }

        count = n;
        return Decision.Suppress;
    }
}
