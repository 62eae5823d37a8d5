namespace VirtualIp.Linux.ProcessTuning;

/// <summary>
/// When to page the executable image out: once the process has been quiet for a period — after the start, and again
/// after every state change (a takeover or a release faults in code that the steady state does not use). Each
/// <see cref="Changed"/> restarts the wait, so a flapping router is never paged out mid-transition. Runs on
/// <see cref="TimeProvider"/> so it is tested on a fake clock.
/// </summary>
internal sealed class ImagePageOutSchedule : IDisposable
{
    private readonly TimeSpan _quiet;
    private readonly Action _pageOut;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private bool _disposed;

    public ImagePageOutSchedule(TimeProvider time, TimeSpan quiet, Action pageOut)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(pageOut);
        _quiet = quiet;
        _pageOut = pageOut;
        _timer = time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>How many times the image was paged out.</summary>
    public int PageOuts { get; private set; }

    /// <summary>Something changed (the start, a state change): page out once the quiet period has passed without another.</summary>
    public void Changed()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _timer.Change(_quiet, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    private void Fire()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            PageOuts++;
        }

        _pageOut();
    }
}
