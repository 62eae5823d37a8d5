using System.Net.Sockets;
using VirtualIp.Keepalived.Parsing;

namespace VirtualIp.Keepalived.Mapping;

/// <summary>A router as it will be written (<c>Routers:N</c>).</summary>
internal sealed class RouterModel(ConfigNode node, string name)
{
    public ConfigNode Node { get; } = node;

    public string Name { get; } = name;

    public string? Interface { get; set; }

    public int? VirtualRouterId { get; set; }

    public int Priority { get; set; } = 100;

    public int? Version { get; set; }

    public TimeSpan AdvertInterval { get; set; } = TimeSpan.FromSeconds(1);

    public ConfigNode? AdvertNode { get; set; }

    public bool Preempt { get; set; } = true;

    public TimeSpan? PreemptDelay { get; set; }

    public bool ChecksumAsV2 { get; set; }

    public (ConfigNode Node, string Password)? AuthPass { get; set; }

    public HmacModel? Hmac { get; set; }

    public string? SyncGroup { get; set; }

    public AddressFamily? Family { get; set; }

    public List<string> Vips { get; } = [];

    /// <summary>notify, notify_master, notify_backup, notify_fault of this instance, by Notify key.</summary>
    public Dictionary<string, (string Command, ConfigNode Node)> Notify { get; } = new(StringComparer.Ordinal);

    public List<string> UnicastPeers { get; } = [];

    public string? UnicastSource { get; set; }

    public List<(ConfigNode Node, string Script, int? Weight)> TrackScripts { get; } = [];

    public List<(string Interface, int Weight)> TrackInterfaces { get; } = [];

    /// <summary>The effective track_script entries once resolved against the vrrp_script blocks.</summary>
    public List<(string Check, int Weight)> TrackChecks { get; } = [];
}

/// <summary>keepalived 2.4.3's <c>auth_hmac</c> block.</summary>
internal sealed class HmacModel
{
    public List<string> Keys { get; } = [];

    public int? ActiveKey { get; set; }

    public string? Mode { get; set; }

    public string? AntiReplay { get; set; }

    public int? TimeWindowSeconds { get; set; }
}

/// <summary>A <c>vrrp_script</c> as a check (<c>Checks:N</c>).</summary>
internal sealed class CheckModel(ConfigNode node, string name)
{
    public ConfigNode Node { get; } = node;

    public string Name { get; } = name;

    public string? Command { get; set; }

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan? Timeout { get; set; }

    public int Rise { get; set; } = 1;

    public int Fall { get; set; } = 1;

    public int Weight { get; set; }

    public bool InitFail { get; set; }
}

/// <summary>Everything the import produces.</summary>
internal sealed class ImportModel
{
    public List<RouterModel> Routers { get; } = [];

    public List<CheckModel> Checks { get; } = [];

    public List<(string Interface, List<string> Vips)> StaticVips { get; } = [];

    /// <summary>Global settings shared by every router (<c>Announcements</c>, <c>Notify</c>), each with the directive that set it.</summary>
    public SharedSettings Announcements { get; } = new("Announcements");

    public SharedSettings Notify { get; } = new("Notify");

    public int? DefaultVersion { get; set; }

    public bool DefaultChecksumAsV2 { get; set; }
}

/// <summary>A section of settings that is one for all routers: the first directive sets a key, a different later value is reported.</summary>
internal sealed class SharedSettings(string section)
{
    public Dictionary<string, (string Value, ConfigNode Node)> Values { get; } = new(StringComparer.Ordinal);

    public void Set(string key, string value, ConfigNode node, Diagnostics diagnostics)
    {
        if (Values.TryGetValue(key, out var existing))
        {
            if (existing.Value != value)
            {
                diagnostics.Unmap(node, $"VirtualIp's {section}:{key} is one setting for all routers; already {existing.Value} from {existing.Node.File}:{existing.Node.Line}");
            }

            return;
        }

        Values[key] = (value, node);
    }
}
