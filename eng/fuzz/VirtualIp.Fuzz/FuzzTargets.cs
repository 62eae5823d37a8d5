using System.Diagnostics.CodeAnalysis;
using VirtualIp.Fuzz.Targets;

namespace VirtualIp.Fuzz;

/// <summary>One fuzz input: parse it; any exception escaping is a crash (the parsers never throw on bad bytes).</summary>
internal delegate void FuzzTarget(ReadOnlySpan<byte> input);

/// <summary>The fuzz targets by name (eng/fuzz/corpus/NAME holds each one's seeds).</summary>
internal static class FuzzTargets
{
    private static readonly Dictionary<string, FuzzTarget> s_targets = new(StringComparer.Ordinal)
    {
        ["vrrp"] = VrrpTarget.Run,
        ["frames"] = FramesTarget.Run,
        ["netlink"] = NetlinkTarget.Run,
        ["cmsg"] = ControlMessageTarget.Run,
        ["config"] = ConfigurationTarget.Run,
        ["keepalived"] = KeepalivedTarget.Run,
    };

    public static IEnumerable<string> Names => s_targets.Keys;

    public static bool TryGet(string name, [NotNullWhen(true)] out FuzzTarget? target) => s_targets.TryGetValue(name, out target);
}
