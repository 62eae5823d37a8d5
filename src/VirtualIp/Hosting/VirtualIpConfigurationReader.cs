using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using VirtualIp.Addressing;
using VirtualIp.Announcing;
using VirtualIp.Frames;
using VirtualIp.Health;
using VirtualIp.Health.Load;
using VirtualIp.Pools;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>
/// Reads <see cref="VirtualIpOptions"/> from configuration without reflection (trimming- and AOT-safe).
/// Every value that does not parse is reported with its full key, e.g. "VirtualIp:Routers:0:Priority = 'high' is not a whole number".
/// </summary>
internal static partial class VirtualIpConfigurationReader
{
    /// <summary>Reads <paramref name="section"/> into <paramref name="options"/>; what does not parse goes to <see cref="VirtualIpOptions.ReadErrors"/> (reported by validation).</summary>
    public static void Read(IConfiguration section, VirtualIpOptions options)
    {
        var errors = options.ReadErrors;
        var r = new Reader(errors);

        int i = 0;
        foreach (var rs in section.GetSection("Routers").GetChildren())
        {
            var o = new VrrpRouterOptions();
            o.Name = rs["Name"] ?? $"vrrp{i}";
            o.Interface = rs["Interface"] ?? "";
            r.Int(rs, "VirtualRouterId", v => o.VirtualRouterId = v);
            r.Int(rs, "Priority", v => o.Priority = v);
            r.Enum<VrrpVersion>(rs, "Version", v => o.Version = v, s => s switch { "2" => "V2", "3" => "V3", _ => s });
            r.Duration(rs, "AdvertisementInterval", v => o.AdvertisementInterval = v);
            r.Bool(rs, "Preempt", v => o.Preempt = v);
            r.Duration(rs, "PreemptDelay", v => o.PreemptDelay = v);
            r.Bool(rs, "AcceptMode", v =>
            {
                // Accept_Mode is not an option: Linux delivers traffic to a bound VIP anyway (true, tolerated with no effect).
                if (!v)
                {
                    errors.Add($"{rs.Path}:AcceptMode = false is not supported: a bound VIP always accepts traffic (RFC 9568 Accept_Mode true); remove the key.");
                }
            });
            r.Bool(rs, "UseVirtualMac", v => o.UseVirtualMac = v);
            r.Enum<VrrpChecksumMode>(rs, "ChecksumMode", v => o.ChecksumMode = v);
            r.Bool(rs, "PriorityZeroFromMasterOnly", v => o.PriorityZeroFromMasterOnly = v);
            r.Duration(rs, "MinimumAdoptedInterval", v => o.MinimumAdoptedInterval = v);
            o.AuthPassword = rs["AuthPassword"];
            o.SyncGroup = rs["SyncGroup"];
            r.Vips(rs, "Vips", o.Vips);
            o.AuthHmac = ReadAuthHmac(rs.GetSection("AuthHmac"), r);
            foreach (var p in Reader.List(rs, "UnicastPeers"))
            {
                if (IPAddress.TryParse(p.Value, out var peer))
                {
                    o.UnicastPeers.Add(peer);
                }
                else
                {
                    errors.Add($"{p.Path} = '{p.Value}' is not an IP address.");
                }
            }

            if (rs["UnicastSource"] is { Length: > 0 } unicastSource)
            {
                if (IPAddress.TryParse(unicastSource, out var source))
                {
                    o.UnicastSource = source;
                }
                else
                {
                    errors.Add($"{rs.Path}:UnicastSource = '{unicastSource}' is not an IP address.");
                }
            }

            r.Bool(rs, "StrictUnicastTtl", v => o.StrictUnicastTtl = v);
            o.Forwarder = rs["Forwarder"] is { Length: > 0 } forwarder ? forwarder : null;
            r.Int(rs, "ForwarderWeight", v => o.ForwarderWeight = v);
            foreach (var p in Reader.List(rs, "KnownPeers"))
            {
                if (IPAddress.TryParse(p.Value, out var peer))
                {
                    o.KnownPeers.Add(peer);
                }
                else
                {
                    errors.Add($"{p.Path} = '{p.Value}' is not an IP address.");
                }
            }

            foreach (var t in rs.GetSection("TrackChecks").GetChildren())
            {
                var track = new VrrpTrackOptions { Name = t["Check"] ?? t["Name"] ?? t.Value ?? "" };
                r.Int(t, "Weight", v => track.Weight = v);
                o.TrackChecks.Add(track);
            }

            foreach (var t in rs.GetSection("TrackInterfaces").GetChildren())
            {
                var track = new VrrpTrackOptions { Name = t["Interface"] ?? t["Name"] ?? t.Value ?? "" };
                r.Int(t, "Weight", v => track.Weight = v);
                o.TrackInterfaces.Add(track);
            }

            foreach (var t in rs.GetSection("TrackLoad").GetChildren())
            {
                options.TrackLoad.Add(ReadLoadTrack(t, o.Name, r));
            }

            options.Routers.Add(o);
            i++;
        }

        foreach (var ss in section.GetSection("StaticVips").GetChildren())
        {
            var o = new StaticVipOptions { Interface = ss["Interface"] ?? "" };
            r.Vips(ss, "Vips", o.Vips);
            r.Bool(ss, "Announce", v => o.Announce = v);
            options.StaticVips.Add(o);
        }

        foreach (var cs in section.GetSection("Checks").GetChildren())
        {
            var e = new HealthCheckEntryOptions { Target = cs["Target"] };
            e.Check.Name = cs["Name"] ?? "";
            r.Duration(cs, "Interval", v => e.Check.Interval = v);
            r.Duration(cs, "Timeout", v => e.Check.Timeout = v);
            r.Int(cs, "Rise", v => e.Check.Rise = v);
            r.Int(cs, "Fall", v => e.Check.Fall = v);
            r.Int(cs, "Weight", v => e.Check.Weight = v);
            r.Enum<HealthState>(cs, "InitialState", v => e.Check.InitialState = v);
            r.Double(cs, "JitterFraction", v => e.Check.JitterFraction = v);
            options.Checks.Add(e);
        }

        ReadTracking(section.GetSection("Tracking"), options, r);

        foreach (var ps in section.GetSection("Pools").GetChildren())
        {
            var p = new VipPoolOptions { Name = ps["Name"] ?? $"pool{options.Pools.Count}" };
            foreach (var x in Reader.List(ps, "Ranges"))
            {
                p.Ranges.Add(x.Value!);
            }

            foreach (var x in Reader.List(ps, "Reserved"))
            {
                p.Reserved.Add(x.Value!);
            }

            r.Int(ps, "PrefixLength", v => p.PrefixLength = v);
            r.Duration(ps, "LeaseDuration", v => p.LeaseDuration = v);
            r.Duration(ps, "ExpiryGrace", v => p.ExpiryGrace = v);
            p.Store = ps["Store"] ?? p.Store;
            p.Interface = ps["Interface"];
            options.Pools.Add(p);
        }

        var ls = section.GetSection("Leases");
        options.Leases.JournalPath = ls["JournalPath"] ?? options.Leases.JournalPath;
        options.Leases.NodeId = ls["NodeId"] ?? options.Leases.NodeId;
        r.Int(ls, "HistoryLimit", v => options.Leases.HistoryLimit = v);
        r.Duration(ls, "SweepInterval", v => options.Leases.SweepInterval = v);

        var an = section.GetSection("Announcements");
        var a = options.Announcements;
        r.Int(an, "BurstCount", v => a.BurstCount = v);
        r.Duration(an, "FrameSpacing", v => a.FrameSpacing = v);
        r.Duration(an, "SecondBurstDelay", v => a.SecondBurstDelay = v);
        r.Duration(an, "RefreshInterval", v => a.RefreshInterval = v == TimeSpan.Zero ? null : v);
        r.Int(an, "RefreshCount", v => a.RefreshCount = v);
        r.Enum<ArpAnnouncementMode>(an, "ArpMode", v => a.ArpMode = v);
        r.Enum<ArpTargetHardwareAddress>(an, "ArpTargetHardware", v => a.ArpTargetHardware = v);
        r.Bool(an, "NeighborAdvertisementRouterFlag", v => a.NeighborAdvertisementRouterFlag = v);

        var ns = section.GetSection("Notify");
        options.Notify.Any = ns["Any"] ?? options.Notify.Any;
        options.Notify.Master = ns["Master"] ?? options.Notify.Master;
        options.Notify.Backup = ns["Backup"] ?? options.Notify.Backup;
        options.Notify.Fault = ns["Fault"] ?? options.Notify.Fault;
        r.Duration(ns, "Timeout", v => options.Notify.Timeout = v);

        options.AuditLogPath = section["AuditLogPath"] ?? options.AuditLogPath;
        r.Bool(section, "RemoveStaleAddressesOnStart", v => options.RemoveStaleAddressesOnStart = v);
        r.Bool(section, "RestoreDeletedVips", v => options.RestoreDeletedVips = v);
        r.Bool(section, "DetectVipConflicts", v => options.DetectVipConflicts = v);
    }

    /// <summary>
    /// <c>VirtualIp:Tracking:N</c> (tracking written apart from its router, kept for existing configurations): each entry is
    /// put on its router's <see cref="VrrpRouterOptions.TrackChecks"/> or <see cref="VrrpRouterOptions.TrackInterfaces"/>
    /// here, so the options carry tracking on the router from the reader on. Problems are named with the Tracking key.
    /// </summary>
    private static void ReadTracking(IConfigurationSection section, VirtualIpOptions options, Reader r)
    {
        var errors = options.ReadErrors;
        foreach (var t in section.GetChildren())
        {
            string routerName = t["Router"] ?? "";
            string? check = t["Check"];
            string? iface = t["Interface"];
            int weight = 0;
            int before = errors.Count;
            r.Int(t, "Weight", v => weight = v);
            var router = options.Routers.FirstOrDefault(x => x.Name == routerName);
            if (router is null)
            {
                errors.Add($"{t.Path}:Router = '{routerName}' is not a configured router.");
            }

            if ((check is null) == (iface is null))
            {
                errors.Add($"{t.Path} must name exactly one of Check or Interface.");
            }
            else if (check is not null && !options.Checks.Any(c => c.Check.Name == check))
            {
                errors.Add($"{t.Path}:Check = '{check}' is not a configured check.");
            }

            if (weight is < -253 or > 253)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{t.Path}:Weight = {weight} is out of range -253..253."));
            }

            if (router is not null && errors.Count == before)
            {
                (check is not null ? router.TrackChecks : router.TrackInterfaces).Add(new VrrpTrackOptions { Name = check ?? iface!, Weight = weight });
            }
        }
    }

    /// <summary><c>VirtualIp:Routers:N:TrackLoad:M</c>: one load track of router <paramref name="router"/>.</summary>
    private static LoadTrackOptions ReadLoadTrack(IConfigurationSection t, string router, Reader r)
    {
        var o = new LoadTrackOptions { Router = router, Forwarder = t["Forwarder"] };
        r.Enum<LoadSource>(t, "Source", v => o.Source = v);
        r.Enum<LoadScope>(t, "Scope", v => o.Scope = v);
        r.Double(t, "High", v => o.High = v);
        r.Double(t, "Low", v => o.Low = v);
        r.Int(t, "Weight", v => o.Weight = v);
        r.Duration(t, "HoldTime", v => o.HoldTime = v);
        r.Duration(t, "SampleInterval", v => o.SampleInterval = v);
        r.Int(t, "Samples", v => o.Samples = v);
        return o;
    }

    private readonly struct Reader(List<string> errors)
    {
        public void Int(IConfiguration s, string key, Action<int> set)
        {
            if (Get(s, key, out var text, out var path))
            {
                if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
                {
                    set(v);
                }
                else
                {
                    errors.Add($"{path} = '{text}' is not a whole number.");
                }
            }
        }

        public void Double(IConfiguration s, string key, Action<double> set)
        {
            if (Get(s, key, out var text, out var path))
            {
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                {
                    set(v);
                }
                else
                {
                    errors.Add($"{path} = '{text}' is not a number.");
                }
            }
        }

        public void Bool(IConfiguration s, string key, Action<bool> set)
        {
            if (Get(s, key, out var text, out var path))
            {
                if (bool.TryParse(text, out bool v))
                {
                    set(v);
                }
                else
                {
                    errors.Add($"{path} = '{text}' is not true or false.");
                }
            }
        }

        public void Duration(IConfiguration s, string key, Action<TimeSpan> set)
        {
            if (Get(s, key, out var text, out var path))
            {
                if (Durations.TryParse(text, out var v))
                {
                    set(v);
                }
                else
                {
                    errors.Add($"{path} = '{text}' is not a duration (examples: 20ms, 1s, 2m, 00:00:05).");
                }
            }
        }

        public void Enum<T>(IConfiguration s, string key, Action<T> set, Func<string, string>? alias = null)
            where T : struct, System.Enum
        {
            if (Get(s, key, out var text, out var path))
            {
                var t = alias is null ? text : alias(text);
                if (System.Enum.TryParse<T>(t, ignoreCase: true, out var v) && System.Enum.IsDefined(v))
                {
                    set(v);
                }
                else
                {
                    errors.Add($"{path} = '{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}.");
                }
            }
        }

        public void Vips(IConfiguration s, string key, IList<VipAddress> into)
        {
            foreach (var v in List(s, key))
            {
                if (VipAddress.TryParse(v.Value, out var vip))
                {
                    into.Add(vip);
                }
                else
                {
                    errors.Add($"{v.Path} = '{v.Value}' is not a VIP (expected e.g. 192.0.2.100/24 or 2001:db8::100/64).");
                }
            }
        }

        /// <summary>A list given as children (Key:0, Key:1) or as one comma-separated value.</summary>
        public static IEnumerable<(string Path, string? Value)> List(IConfiguration s, string key)
        {
            var sec = s.GetSection(key);
            if (sec.Value is { } single)
            {
                foreach (var part in single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    yield return (sec.Path, part);
                }

                yield break;
            }

            foreach (var c in sec.GetChildren())
            {
                yield return (c.Path, c.Value);
            }
        }

        private static bool Get(IConfiguration s, string key, out string text, out string path)
        {
            var sec = s.GetSection(key);
            text = sec.Value ?? "";
            path = sec.Path;
            return sec.Value is not null;
        }
    }
}
