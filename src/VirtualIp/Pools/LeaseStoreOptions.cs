namespace VirtualIp.Pools;

/// <summary>Where and how this node keeps dynamic-VIP leases (configuration section VirtualIp:Leases).</summary>
public sealed class LeaseStoreOptions
{
    /// <summary>The store name of the embedded journal.</summary>
    public const string Embedded = "embedded";

    /// <summary>The store name of etcd (registered by VirtualIp.Etcd).</summary>
    public const string Etcd = "etcd";

    /// <summary>The embedded store's journal file (default: the local application data folder, VirtualIp/APP/leases.journal).</summary>
    public string? JournalPath { get; set; }

    /// <summary>This node's id in lease records (default: the machine name). Must be unique among nodes sharing a store.</summary>
    public string? NodeId { get; set; }

    /// <summary>How many past holders per pool are remembered for sticky re-acquisition (default 10,000).</summary>
    public int HistoryLimit { get; set; } = 10_000;

    /// <summary>How often leases that ran out are expired (default 1 s).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The journal path in use: <see cref="JournalPath"/> or the default.</summary>
    public string ResolveJournalPath() => JournalPath ?? Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "VirtualIp", AppDomain.CurrentDomain.FriendlyName, "leases.journal");
}
