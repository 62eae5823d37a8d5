using System.Net;
using VirtualIp.Addressing;

namespace VirtualIp.Vrrp;

/// <summary>
/// The immutable configuration of one virtual router, made once from validated <see cref="VrrpRouterOptions"/>: what the
/// engine consumes (configuration flows reader → validated options → this → engine; nothing re-validates on the way).
/// </summary>
internal sealed class VrrpRouterConfiguration
{
    private VrrpRouterConfiguration(VrrpRouterOptions o)
    {
        Name = o.Name;
        Interface = o.Interface;
        VirtualRouterId = o.VirtualRouterId;
        Priority = o.Priority;
        Version = o.Version;
        AdvertisementInterval = o.AdvertisementInterval;
        Preempt = o.Preempt;
        PreemptDelay = o.PreemptDelay;
        Vips = [.. o.Vips];
        UnicastPeers = [.. o.UnicastPeers ?? []];
        UnicastSource = o.UnicastSource;
        StrictUnicastTtl = o.StrictUnicastTtl;
        KnownPeers = [.. o.KnownPeers ?? []];
        PriorityZeroFromMasterOnly = o.PriorityZeroFromMasterOnly;
        MinimumAdoptedInterval = o.MinimumAdoptedInterval;
        UseVirtualMac = o.UseVirtualMac;
        ChecksumMode = o.ChecksumMode;
        AuthPassword = o.AuthPassword;
        AuthHmac = Copy(o.AuthHmac);
        SyncGroup = o.SyncGroup;
        RemoveStaleAddressesOnStart = o.RemoveStaleAddressesOnStart;
        TrackChecks = [.. (o.TrackChecks ?? []).Select(t => new VrrpTrack(t.Name, t.Weight))];
        TrackInterfaces = [.. (o.TrackInterfaces ?? []).Select(t => new VrrpTrack(t.Name, t.Weight))];
    }

    public string Name { get; }

    public string Interface { get; }

    public int VirtualRouterId { get; }

    public int Priority { get; }

    public VrrpVersion Version { get; }

    public TimeSpan AdvertisementInterval { get; }

    public bool Preempt { get; }

    public TimeSpan PreemptDelay { get; }


    public IReadOnlyList<VipAddress> Vips { get; }

    public IReadOnlyList<IPAddress> UnicastPeers { get; }

    public IPAddress? UnicastSource { get; }

    public bool StrictUnicastTtl { get; }

    public IReadOnlyList<IPAddress> KnownPeers { get; }

    public bool PriorityZeroFromMasterOnly { get; }

    public TimeSpan? MinimumAdoptedInterval { get; }

    public bool UseVirtualMac { get; }

    public VrrpChecksumMode ChecksumMode { get; }

    public string? AuthPassword { get; }

    public VrrpAuthHmacOptions? AuthHmac { get; }

    public string? SyncGroup { get; }

    public bool RemoveStaleAddressesOnStart { get; private set; }

    public IReadOnlyList<VrrpTrack> TrackChecks { get; }

    public IReadOnlyList<VrrpTrack> TrackInterfaces { get; }

    public bool IsIPv6 => Vips[0].IsIPv6;

    /// <summary>Makes the configuration from options that have been validated (by <see cref="VirtualRouterFactory.Validate"/> or the host's options validation).</summary>
    public static VrrpRouterConfiguration FromValidated(VrrpRouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new VrrpRouterConfiguration(options);
    }

    /// <summary>A fresh options object with these values (for APIs that take options, e.g. a platform opening a transport); never a shared instance.</summary>
    public VrrpRouterOptions ToOptions()
    {
        var o = new VrrpRouterOptions
        {
            Name = Name, Interface = Interface, VirtualRouterId = VirtualRouterId, Priority = Priority, Version = Version,
            AdvertisementInterval = AdvertisementInterval, Preempt = Preempt, PreemptDelay = PreemptDelay,
            Vips = [.. Vips], UnicastPeers = [.. UnicastPeers], UnicastSource = UnicastSource, StrictUnicastTtl = StrictUnicastTtl, KnownPeers = [.. KnownPeers], PriorityZeroFromMasterOnly = PriorityZeroFromMasterOnly,
            MinimumAdoptedInterval = MinimumAdoptedInterval, UseVirtualMac = UseVirtualMac, ChecksumMode = ChecksumMode, AuthPassword = AuthPassword,
            AuthHmac = Copy(AuthHmac), SyncGroup = SyncGroup, RemoveStaleAddressesOnStart = RemoveStaleAddressesOnStart,
            TrackChecks = [.. TrackChecks.Select(t => new VrrpTrackOptions { Name = t.Name, Weight = t.Weight })],
            TrackInterfaces = [.. TrackInterfaces.Select(t => new VrrpTrackOptions { Name = t.Name, Weight = t.Weight })],
        };
        return o;
    }

    /// <summary>A copy with <see cref="RemoveStaleAddressesOnStart"/> off (the host removes stale addresses itself, once, before any router starts).</summary>
    public VrrpRouterConfiguration WithoutStaleCleanup()
    {
        var copy = (VrrpRouterConfiguration)MemberwiseClone();
        copy.RemoveStaleAddressesOnStart = false;
        return copy;
    }

    /// <summary>
    /// Whether <paramref name="next"/> can be applied to a running router with <see cref="VrrpRouter.Reconfigure"/>: only
    /// priority, advert interval, preemption, VIPs (same family) and tracking differ. Anything else (VRID, interface, family,
    /// version, peers, authentication, sync group…) needs the router removed and added again.
    /// </summary>
    public bool CanReconfigureTo(VrrpRouterConfiguration next) =>
        Name == next.Name && Interface == next.Interface && VirtualRouterId == next.VirtualRouterId && IsIPv6 == next.IsIPv6
        && Version == next.Version && UnicastPeers.SequenceEqual(next.UnicastPeers)
        && Equals(UnicastSource, next.UnicastSource) && StrictUnicastTtl == next.StrictUnicastTtl
        && KnownPeers.SequenceEqual(next.KnownPeers) && PriorityZeroFromMasterOnly == next.PriorityZeroFromMasterOnly
        && MinimumAdoptedInterval == next.MinimumAdoptedInterval && UseVirtualMac == next.UseVirtualMac && ChecksumMode == next.ChecksumMode
        && AuthPassword == next.AuthPassword && SameAuth(AuthHmac, next.AuthHmac)
        && SyncGroup == next.SyncGroup;

    /// <summary>Whether nothing at all changed.</summary>
    public bool SameAs(VrrpRouterConfiguration next) =>
        CanReconfigureTo(next) && AuthHmac?.ActiveKey == next.AuthHmac?.ActiveKey && Priority == next.Priority && AdvertisementInterval == next.AdvertisementInterval && Preempt == next.Preempt
        && PreemptDelay == next.PreemptDelay && Vips.SequenceEqual(next.Vips) && TracksEqual(next);

    /// <summary>Whether the tracked checks and interfaces are the same.</summary>
    public bool TracksEqual(VrrpRouterConfiguration next) => TrackChecks.SequenceEqual(next.TrackChecks) && TrackInterfaces.SequenceEqual(next.TrackInterfaces);

    // The active key is not part of it: Reconfigure switches it (hitless rotation, keepalived's active_key + reload).
    private static bool SameAuth(VrrpAuthHmacOptions? a, VrrpAuthHmacOptions? b) =>
        a is null ? b is null : b is not null && a.Keys.SequenceEqual(b.Keys) && a.Mode == b.Mode
            && a.AntiReplay == b.AntiReplay && a.TimeWindow == b.TimeWindow;

    private static VrrpAuthHmacOptions? Copy(VrrpAuthHmacOptions? a) => a is null ? null
        : new VrrpAuthHmacOptions { Keys = [.. a.Keys], ActiveKey = a.ActiveKey, Mode = a.Mode, AntiReplay = a.AntiReplay, TimeWindow = a.TimeWindow };
}

/// <summary>One tracked check or interface of a router, with its weight.</summary>
internal readonly record struct VrrpTrack(string Name, int Weight);
