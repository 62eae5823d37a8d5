using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace VirtualIp.Linux.ProcessTuning;

/// <summary>
/// Applies <see cref="LinuxProcessOptions"/>: memory locking and real-time scheduling before any hosted service starts
/// (so the routers' threads and every thread created later run under SCHED_RR), the memory trim once all have started.
/// </summary>
internal sealed partial class ProcessTuningService(IOptions<LinuxProcessOptions> options, ILogger<ProcessTuningService> logger) : IHostedLifecycleService
{
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
        if (o.TrimMemoryAfterStart)
        {
            ProcessTuner.TrimMemory();
        }

        if (o.PageOutImageAfterStart && !o.LockMemory)
        {
            long advised = ProcessTuner.PageOutImage();
            LogImagePagedOut(logger, advised / 1024);
        }

        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
