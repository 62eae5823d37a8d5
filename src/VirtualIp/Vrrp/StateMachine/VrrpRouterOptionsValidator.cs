using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VirtualIp.Vrrp;

/// <summary>Checks <see cref="VrrpRouterOptions"/>; every message names the configuration key and the bad value.</summary>
internal static class VrrpRouterOptionsValidator
{
    /// <summary>The longest VRRPv3 interval: 12 bits of centiseconds.</summary>
    internal static readonly TimeSpan MaxV3Interval = TimeSpan.FromMilliseconds(40950);

    /// <summary>Returns the problems found (empty when valid). <paramref name="key"/> is the configuration path of the router, e.g. "VirtualIp:Routers:0".</summary>
    public static List<string> Validate(VrrpRouterOptions? options, string key = "VirtualIp:Routers:0")
    {
        var errors = new List<string>();
        if (options is null)
        {
            errors.Add($"{key} is missing.");
            return errors;
        }

        if (string.IsNullOrWhiteSpace(options.Name))
        {
            errors.Add($"{key}:Name is required.");
        }

        if (string.IsNullOrWhiteSpace(options.Interface))
        {
            errors.Add($"{key}:Interface is required.");
        }

        if (options.VirtualRouterId is < 1 or > 255)
        {
            errors.Add(Invariant($"{key}:VirtualRouterId = {options.VirtualRouterId} is out of range 1..255."));
        }

        if (options.Priority is < 1 or > 255)
        {
            errors.Add(Invariant($"{key}:Priority = {options.Priority} is out of range 1..255 (0 is reserved for a master that is leaving)."));
        }

        if (options.Version is not (VrrpVersion.V2 or VrrpVersion.V3))
        {
            errors.Add(Invariant($"{key}:Version = {options.Version} is not V2 or V3."));
        }

        var interval = options.AdvertisementInterval;
        if (options.Version == VrrpVersion.V2)
        {
            if (interval < TimeSpan.FromSeconds(1) || interval > TimeSpan.FromSeconds(255) || interval.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                errors.Add(Invariant($"{key}:AdvertisementInterval = {interval} must be whole seconds 1..255 with Version V2 (use V3 for sub-second intervals)."));
            }
        }
        else if (interval < TimeSpan.FromMilliseconds(10) || interval > MaxV3Interval || interval.Ticks % (TimeSpan.TicksPerMillisecond * 10) != 0)
        {
            errors.Add(Invariant($"{key}:AdvertisementInterval = {interval} must be 00:00:00.01..00:00:40.95 in 10 ms steps with Version V3."));
        }

        if (options.PreemptDelay < TimeSpan.Zero || options.PreemptDelay > TimeSpan.FromSeconds(1000))
        {
            errors.Add(Invariant($"{key}:PreemptDelay = {options.PreemptDelay} is out of range 0..1000 s."));
        }

        if (options.Vips is null || options.Vips.Count == 0)
        {
            errors.Add($"{key}:Vips is empty; a virtual router needs at least one VIP.");
        }
        else
        {
            bool ipv6 = options.Vips[0]?.IsIPv6 ?? false;
            for (int i = 0; i < options.Vips.Count; i++)
            {
                var vip = options.Vips[i];
                if (vip is null)
                {
                    errors.Add(Invariant($"{key}:Vips:{i} is null."));
                }
                else if (vip.IsIPv6 != ipv6)
                {
                    errors.Add(Invariant($"{key}:Vips:{i} = {vip} is {(vip.IsIPv6 ? "IPv6" : "IPv4")} but Vips:0 is {(ipv6 ? "IPv6" : "IPv4")}; use one router per family."));
                }
            }

            if (ipv6 && options.Version == VrrpVersion.V2)
            {
                errors.Add($"{key}:Version = V2 cannot carry IPv6 VIPs ({options.Vips[0]}); use V3.");
            }

            if (options.Vips.Count > 255)
            {
                errors.Add(Invariant($"{key}:Vips has {options.Vips.Count} addresses; an advert carries at most 255."));
            }
        }

        if (options.UnicastPeers is not null)
        {
            for (int i = 0; i < options.UnicastPeers.Count; i++)
            {
                var peer = options.UnicastPeers[i];
                if (peer is null || peer.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
                {
                    errors.Add(Invariant($"{key}:UnicastPeers:{i} = {peer} is not an IPv4 or IPv6 address."));
                }
                else if (options.Vips is { Count: > 0 } && options.Vips[0] is { } first && (peer.AddressFamily == AddressFamily.InterNetworkV6) != first.IsIPv6)
                {
                    errors.Add(Invariant($"{key}:UnicastPeers:{i} = {peer} is not of the VIPs' family."));
                }
            }
        }

        if (options.UnicastSource is { } source)
        {
            bool sourceIPv6 = source.AddressFamily == AddressFamily.InterNetworkV6;
            if (source.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                || (sourceIPv6 ? source.IsIPv6Multicast || source.Equals(IPAddress.IPv6Any) : (source.GetAddressBytes()[0] & 0xF0) == 0xE0 || source.Equals(IPAddress.Any) || source.Equals(IPAddress.Broadcast)))
            {
                errors.Add(Invariant($"{key}:UnicastSource = {source} is not a unicast IPv4 or IPv6 address."));
            }
            else if (options.Vips is { Count: > 0 } && options.Vips[0] is { } first && sourceIPv6 != first.IsIPv6)
            {
                errors.Add(Invariant($"{key}:UnicastSource = {source} is not of the VIPs' family."));
            }
            else if (options.Vips is not null && options.Vips.Any(v => v is not null && v.Address.Equals(source)))
            {
                errors.Add(Invariant($"{key}:UnicastSource = {source} is one of the router's VIPs; adverts must leave from the node's own address."));
            }
            else if (options.UnicastPeers is not { Count: > 0 })
            {
                errors.Add(Invariant($"{key}:UnicastSource = {source} is set without UnicastPeers (multicast adverts leave from the interface's primary address)."));
            }
        }

        if (options.KnownPeers is not null)
        {
            for (int i = 0; i < options.KnownPeers.Count; i++)
            {
                var peer = options.KnownPeers[i];
                if (peer is null || peer.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
                {
                    errors.Add(Invariant($"{key}:KnownPeers:{i} = {peer} is not an IPv4 or IPv6 address."));
                }
                else if (options.Vips is { Count: > 0 } && options.Vips[0] is { } first && (peer.AddressFamily == AddressFamily.InterNetworkV6) != first.IsIPv6)
                {
                    errors.Add(Invariant($"{key}:KnownPeers:{i} = {peer} is not of the VIPs' family."));
                }
            }
        }

        if (options.MinimumAdoptedInterval is { } floor && (floor < TimeSpan.FromMilliseconds(10) || floor > MaxV3Interval))
        {
            errors.Add(Invariant($"{key}:MinimumAdoptedInterval = {floor} is out of range 00:00:00.01..00:00:40.95."));
        }

        if (options.ChecksumMode is not (VrrpChecksumMode.WithPseudoHeader or VrrpChecksumMode.MessageOnly))
        {
            errors.Add(Invariant($"{key}:ChecksumMode = {options.ChecksumMode} is not a sending mode (WithPseudoHeader or MessageOnly)."));
        }

        if (options.AuthPassword is not null)
        {
            if (options.Version != VrrpVersion.V2)
            {
                errors.Add($"{key}:AuthPassword is set but Version = {options.Version}; authentication exists only in VRRPv2.");
            }
            else if (options.AuthPassword.Length is 0 or > 8 || Encoding.ASCII.GetByteCount(options.AuthPassword) != options.AuthPassword.Length || !IsAscii(options.AuthPassword))
            {
                errors.Add(Invariant($"{key}:AuthPassword must be 1..8 ASCII characters (got {options.AuthPassword.Length} characters)."));
            }
        }

        VrrpAuthHmacOptionsValidator.Validate(options, key, errors);

        if (options.SyncGroup is not null && string.IsNullOrWhiteSpace(options.SyncGroup))
        {
            errors.Add($"{key}:SyncGroup is blank; omit it or give a name.");
        }

        ValidateTracks(options.TrackChecks, $"{key}:TrackChecks", "check", errors);
        ValidateTracks(options.TrackInterfaces, $"{key}:TrackInterfaces", "interface", errors);
        return errors;
    }

    private static void ValidateTracks(IList<VrrpTrackOptions>? tracks, string key, string what, List<string> errors)
    {
        for (int i = 0; i < (tracks?.Count ?? 0); i++)
        {
            var t = tracks![i];
            if (t is null || string.IsNullOrWhiteSpace(t.Name))
            {
                errors.Add(Invariant($"{key}:{i} needs the {what}'s name."));
                continue;
            }

            if (t.Weight is < -253 or > 253)
            {
                errors.Add(Invariant($"{key}:{i}:Weight = {t.Weight} is out of range -253..253."));
            }
        }
    }

    private static bool IsAscii(string s)
    {
        foreach (char c in s)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
