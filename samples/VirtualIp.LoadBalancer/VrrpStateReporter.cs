using System.Globalization;
using Microsoft.Extensions.Hosting;
using VirtualIp.Events;

namespace VirtualIp.LoadBalancer;

/// <summary>With --vip: prints one line per VRRP state change and VIP binding change (stdout, flushed).</summary>
internal sealed class VrrpStateReporter(IVirtualIpEvents events) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        events.Published += OnPublished;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        events.Published -= OnPublished;
        return Task.CompletedTask;
    }

    private static void OnPublished(object? sender, VirtualIpEvent e)
    {
        string? line = e switch
        {
            RouterStateChangedEvent s => $"vrrp {s.Router} {s.OldState} -> {s.NewState} ({s.Reason})",
            VipBindingChangedEvent b => $"vip {(b.Bound ? "added" : "removed")} {b.Vip} on {b.Interface}",
            HealthChangedEvent h => $"check {h.Check} {h.OldState} -> {h.NewState} ({h.Reason})",
            _ => null,
        };
        if (line is not null)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Timestamp.UtcDateTime:HH:mm:ss.fff} {line}"));
            Console.Out.Flush();
        }
    }
}
