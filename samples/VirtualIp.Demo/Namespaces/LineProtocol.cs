using System.Globalization;
using VirtualIp.Election;

namespace VirtualIp.Demo.Namespaces;

/// <summary>
/// The single lines the node and probe processes print and the parent parses:
/// <c>EV &lt;utc ticks&gt; &lt;kind&gt; &lt;fields...&gt;</c>. Anything else is shown as it is.
/// </summary>
internal static class LineProtocol
{
    private const string Prefix = "EV ";

    public static string Format(DateTimeOffset at, string kind, params object[] fields) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{at.UtcTicks} {kind}{(fields.Length == 0 ? "" : " ")}{string.Join(' ', fields.Select(f => Convert.ToString(f, CultureInfo.InvariantCulture)))}");

    public static string Format(ProbeEvent e) => e switch
    {
        ProbeAnswered a => Format(a.At, "answered", a.Family, a.Node, a.Gap.Ticks, a.Lost, a.First ? 1 : 0),
        ProbeSilent s => Format(s.At, "silent", s.Family, s.LastAnswer.UtcTicks, s.LastNode),
        _ => throw new ArgumentOutOfRangeException(nameof(e)),
    };

    public static bool TryParse(string line, out DateTimeOffset at, out string kind, out string[] fields)
    {
        at = default;
        kind = "";
        fields = [];
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = line[Prefix.Length..].Split(' ', 3);
        if (parts.Length < 2 || !long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long ticks))
        {
            return false;
        }

        at = new DateTimeOffset(ticks, TimeSpan.Zero);
        kind = parts[1];
        fields = parts.Length > 2 ? parts[2].Split(' ') : [];
        return true;
    }

    /// <summary>Feeds a node's line to <paramref name="observations"/>.</summary>
    public static void DispatchNode(string node, string line, Observations observations)
    {
        if (!TryParse(line, out var at, out var kind, out var f))
        {
            Narrator.Say($"{node}: {line}");
            return;
        }

        switch (kind)
        {
            case "state" when f.Length >= 5 && Enum.TryParse<VrrpState>(f[1], out var from) && Enum.TryParse<VrrpState>(f[2], out var to):
                observations.NodeState(node, f[0], at, from, to, f[3], int.Parse(f[4], CultureInfo.InvariantCulture));
                break;
            case "vip" when f.Length >= 2:
                observations.NodeVip(node, at, f[0] == "added", f[1]);
                break;
            case "msg":
                observations.NodeMessage(node, at, string.Join(' ', f));
                break;
            default:
                observations.NodeMessage(node, at, $"{kind} {string.Join(' ', f)}".Trim());
                break;
        }
    }

    /// <summary>Feeds the probe's line to <paramref name="observations"/>.</summary>
    public static void DispatchProbe(string line, Observations observations)
    {
        if (!TryParse(line, out var at, out var kind, out var f))
        {
            Narrator.Say($"client: {line}");
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        switch (kind)
        {
            case "answered" when f.Length >= 5:
                observations.Probe(new ProbeAnswered(at, f[1], TimeSpan.FromTicks(long.Parse(f[2], inv)), long.Parse(f[3], inv), f[4] == "1") { Family = f[0] });
                break;
            case "silent" when f.Length >= 3:
                observations.Probe(new ProbeSilent(at, new DateTimeOffset(long.Parse(f[1], inv), TimeSpan.Zero), f[2]) { Family = f[0] });
                break;
            case "ready":
                break;
            default:
                Narrator.Say(at, $"client: {kind} {string.Join(' ', f)}");
                break;
        }
    }
}
