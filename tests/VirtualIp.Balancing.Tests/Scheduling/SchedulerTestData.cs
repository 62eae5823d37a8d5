using System.Net;
using VirtualIp.Balancing.Scheduling;
using VirtualIp.Scheduling;

namespace VirtualIp.Balancing.Tests.Scheduling;

internal static class SchedulerTestData
{
    public static readonly string[] AllNames =
    [
        BackendSchedulerNames.RoundRobin,
        BackendSchedulerNames.WeightedRoundRobin,
        BackendSchedulerNames.LeastConnections,
        BackendSchedulerNames.WeightedLeastConnections,
        BackendSchedulerNames.Random,
        BackendSchedulerNames.PowerOfTwoChoices,
        BackendSchedulerNames.SourceHash,
        BackendSchedulerNames.Maglev,
        BackendSchedulerNames.Rendezvous,
    ];

    public static TheoryData<string> Names()
    {
        var d = new TheoryData<string>();
        foreach (var n in AllNames)
        {
            d.Add(n);
        }

        return d;
    }

    public static Backend[] Make(int count, Func<int, int>? weight = null) =>
        [.. Enumerable.Range(0, count).Select(i => new Backend(new IPEndPoint(IPAddress.Loopback, 20000 + i), weight?.Invoke(i) ?? 1))];

    public static IBackendScheduler Create(string name, params Backend[] backends)
    {
        var s = new BackendSchedulerFactory().Create(name);
        s.Update(new BackendSet(backends));
        return s;
    }
}
