namespace VirtualIp.Failover;

/// <summary>With <c>--elector etcd</c>: the VIP, interface, name and checks given for the VRRP router, as a lease-elected VIP.</summary>
internal sealed record LeaseElection(string Name, string Interface, string Vip, IReadOnlyList<string> Checks)
{
    private const string R = "VirtualIp:Routers:0:";

    /// <summary>Null for VRRP (the default); else the elected VIP, with the router's keys removed from <paramref name="config"/>.</summary>
    public static LeaseElection? Extract(Dictionary<string, string?> config)
    {
        if (!config.TryGetValue(FailoverArguments.ElectorKey, out var elector) || elector != "etcd")
        {
            return null;
        }

        var checks = config.Where(kv => kv.Key.StartsWith(R + "TrackChecks:", StringComparison.OrdinalIgnoreCase) && kv.Key.EndsWith(":Check", StringComparison.OrdinalIgnoreCase))
            .Select(kv => kv.Value!).ToList();
        var e = new LeaseElection(config.GetValueOrDefault(R + "Name") is { } n && !n.StartsWith("VI_", StringComparison.Ordinal) ? n : "vip",
            config.GetValueOrDefault(R + "Interface") ?? "", config.GetValueOrDefault(R + "Vips:0") ?? "", checks);
        foreach (var key in config.Keys.Where(k => k.StartsWith(R, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            config.Remove(key);
        }

        return e.Interface.Length == 0 || e.Vip.Length == 0 ? throw new ArgumentException("--elector etcd needs --interface and --vip.") : e;
    }
}
