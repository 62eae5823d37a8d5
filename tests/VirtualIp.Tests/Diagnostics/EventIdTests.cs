using System.Reflection;
using Microsoft.Extensions.Logging;
using VirtualIp.Hosting;

namespace VirtualIp.Tests.Diagnostics;

/// <summary>
/// Log event ids are unique and stay in their area's range (the table in docs/architecture.md, "Log event ids"), so a
/// log filter or alert on an id means one message.
/// </summary>
public sealed class EventIdTests
{
    /// <summary>The areas of the VirtualIp assembly, and the ranges reserved for work elsewhere.</summary>
    private static readonly (string Area, int From, int To, bool Reserved)[] Areas =
    [
        ("hosting", 1000, 1099, false),
        ("VRRP engine", 1100, 1199, false),
        ("health checks and tracking", 1200, 1299, false),
        ("binding, guards and announcing", 1300, 1399, false),
        ("pools, leases and audit", 1400, 1499, false),
        ("runtime control", 1500, 1599, false),
        ("keepalived import", 1600, 1699, true),
        ("Windows address watching", 1700, 1799, true),
        ("health-check publishing", 1800, 1899, true),
    ];

    private static List<(int Id, string Method)> LoggerMessages() =>
        [.. typeof(VirtualIpOptions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => (x.Attribute!.EventId, $"{x.Method.DeclaringType!.FullName}.{x.Method.Name}"))];

    [Fact]
    public void Every_logger_message_has_its_own_event_id()
    {
        var messages = LoggerMessages();
        Assert.True(messages.Count > 50, $"found only {messages.Count} [LoggerMessage] methods");
        var duplicates = messages.GroupBy(m => m.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}").ToList();
        Assert.True(duplicates.Count == 0, "event ids used twice:\n" + string.Join("\n", duplicates));
    }

    [Fact]
    public void Every_event_id_is_in_an_area_of_its_own_and_none_in_a_reserved_range()
    {
        var outside = LoggerMessages()
            .Where(m => !Areas.Any(a => !a.Reserved && m.Id >= a.From && m.Id <= a.To))
            .Select(m => $"{m.Id} ({m.Method}) is {(Areas.FirstOrDefault(a => m.Id >= a.From && m.Id <= a.To) is { Area: { } r } ? "in the range reserved for " + r : "outside every area")}")
            .ToList();
        Assert.True(outside.Count == 0, string.Join("\n", outside));
    }
}
