using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VirtualIp.Events;

namespace VirtualIp.Linux.ProcessTuning;

/// <summary>
/// Applies <see cref="LinuxProcessOptions"/>: memory locking and real-time scheduling before any hosted service starts
/// (so the routers' threads and every thread created later run under SCHED_RR), again once all have started and then
/// every <see cref="RecheckPeriod"/> (the runtime gives some threads it creates a policy or priority of its own), the
/// memory trim once all have started, and the image page-out once the process is quiet (after the start and after each
/// router state change, <see cref="ImagePageOutSchedule"/>).
/// </summary>
internal sealed partial class ProcessTuningService(IOptions<LinuxProcessOptions> options, ILogger<ProcessTuningService> logger, TimeProvider time,
    IVirtualIpEvents? events = null)
    : IHostedLifecycleService, IDisposable
{
    /// <summary>How often the threads' scheduling is checked again while real-time scheduling is on.</summary>
    public static readonly TimeSpan RecheckPeriod = TimeSpan.FromSeconds(5);

    private ITimer? _recheck;
    private ImagePageOutSchedule? _pageOut;

    /// <summary>The page-out schedule while <see cref="LinuxProcessOptions.PageOutImageAfterStart"/> is on (for tests).</summary>
    internal ImagePageOutSchedule? PageOutSchedule => _pageOut;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.LockMemory)
        {
            ProcessTuner.LockMemory();
            LogMemoryLocked(logger);
        }

        if (o.RealtimePriority > 0)
        {
            int threads = ProcessTuner.SetRealtime(0, o.RealtimePriority);
            LogRealtime(logger, o.RealtimePriority, threads);
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.RealtimePriority > 0)
        {
            ProcessTuner.SetRealtime(0, o.RealtimePriority); // the threads the routers' start created with a priority of their own
            _recheck = time.CreateTimer(_ => Recheck(o.RealtimePriority), null, RecheckPeriod, RecheckPeriod);
        }

        if (o.TrimMemoryAfterStart)
        {
            ProcessTuner.TrimMemory();
        }

        if (o.PageOutImageAfterStart && !o.LockMemory)
        {
            _pageOut = new ImagePageOutSchedule(time, o.PageOutQuietPeriod, PageOut);
            if (events is not null)
            {
                events.Published += OnEvent;
            }

            _pageOut.Changed(); // the start is the first change
        }

        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _recheck?.Dispose();
        if (_pageOut is not null)
        {
            if (events is not null)
            {
                events.Published -= OnEvent;
            }

            _pageOut.Dispose();
        }
    }

    private void OnEvent(object? sender, VirtualIpEvent e)
    {
        if (e is RouterStateChangedEvent or VipBindingChangedEvent)
        {
            _pageOut?.Changed();
        }
    }

    private void PageOut()
    {
        long advised = ProcessTuner.PageOutImage();
        LogImagePagedOut(logger, advised / 1024);
    }

    private void Recheck(int priority)
    {
        try
        {
            ProcessTuner.SetRealtime(0, priority);
        }
        catch (LinuxProcessException ex)
        {
            LogRecheckFailed(logger, ex);
        }
    }
}
