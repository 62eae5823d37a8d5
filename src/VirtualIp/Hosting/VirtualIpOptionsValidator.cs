using Microsoft.Extensions.Options;
using VirtualIp.Health;
using VirtualIp.Health.Load;
using VirtualIp.Pools;
using VirtualIp.Vrrp;

namespace VirtualIp.Hosting;

/// <summary>
/// Validates <see cref="VirtualIpOptions"/> once per instance (at start, and for each configuration reload); every message
/// names the key and the value. Before the host runs, invalid options fail (the host does not start). Once it runs, an
/// invalid reload must not make <see cref="IOptionsMonitor{TOptions}"/> throw on the configuration's reload thread: the
/// errors are attached to the instance (<see cref="VirtualIpOptions.ValidationErrors"/>) and the reloader rejects it.
/// </summary>
internal sealed class VirtualIpOptionsValidator(ValidationGate gate) : IValidateOptions<VirtualIpOptions>
{
    public ValidateOptionsResult Validate(string? name, VirtualIpOptions options)
    {
        var errors = new List<string>(options.ReadErrors);
        errors.AddRange(Check(options));
        options.ValidationErrors = errors;
        return errors.Count == 0 || gate.Running ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static List<string> Check(VirtualIpOptions o, string p = VirtualIpOptions.SectionName)
    {
        var errors = new List<string>();
        errors.AddRange(VirtualRouterFactory.Validate(o.Routers, $"{p}:Routers"));
        for (int i = 0; i < o.StaticVips.Count; i++)
        {
            var s = o.StaticVips[i];
            if (string.IsNullOrWhiteSpace(s.Interface))
            {
                errors.Add($"{p}:StaticVips:{i}:Interface is required.");
            }

            if (s.Vips.Count == 0)
            {
                errors.Add($"{p}:StaticVips:{i}:Vips needs at least one address.");
            }
        }

        var checkNames = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < o.Checks.Count; i++)
        {
            var c = o.Checks[i];
            var k = $"{p}:Checks:{i}";
            if (string.IsNullOrWhiteSpace(c.Check.Name))
            {
                errors.Add($"{k}:Name is required.");
            }
            else if (!checkNames.Add(c.Check.Name))
            {
                errors.Add($"{k}:Name = '{c.Check.Name}' is used by another check.");
            }

            if (c.Probe is null)
            {
                if (string.IsNullOrWhiteSpace(c.Target))
                {
                    errors.Add($"{k}:Target is required (tcp://HOST:PORT, http://URL, icmp://HOST or exec:COMMAND).");
                }
                else if (!HealthProbes.TryParse(c.Target, out _))
                {
                    errors.Add($"{k}:Target = '{c.Target}' is not a check (tcp://HOST:PORT, http://URL, icmp://HOST or exec:COMMAND).");
                }
            }

            if (c.Check.Interval <= TimeSpan.Zero)
            {
                errors.Add($"{k}:Interval = {c.Check.Interval} must be positive.");
            }

            if (c.Check.Timeout <= TimeSpan.Zero)
            {
                errors.Add($"{k}:Timeout = {c.Check.Timeout} must be positive.");
            }

            if (c.Check.Rise is < 1 or > 1000)
            {
                errors.Add($"{k}:Rise = {c.Check.Rise} is out of range 1..1000.");
            }

            if (c.Check.Fall is < 1 or > 1000)
            {
                errors.Add($"{k}:Fall = {c.Check.Fall} is out of range 1..1000.");
            }

            if (c.Check.Weight is < -253 or > 253)
            {
                errors.Add($"{k}:Weight = {c.Check.Weight} is out of range -253..253.");
            }

            if (c.Check.JitterFraction is < 0 or > 0.5)
            {
                errors.Add($"{k}:JitterFraction = {c.Check.JitterFraction} is out of range 0..0.5.");
            }
        }

        for (int i = 0; i < o.Routers.Count; i++)
        {
            var tracks = o.Routers[i]?.TrackChecks ?? [];
            for (int j = 0; j < tracks.Count; j++)
            {
                if (tracks[j] is { Name.Length: > 0 } t && !checkNames.Contains(t.Name))
                {
                    errors.Add($"{p}:Routers:{i}:TrackChecks:{j} = '{t.Name}' is not a configured check.");
                }
            }
        }

        ValidateForwarders(o, p, checkNames, errors);
        ValidateLoadTracks(o, p, errors);

        var a = o.Announcements;
        if (a.BurstCount is < 1 or > 100)
        {
            errors.Add($"{p}:Announcements:BurstCount = {a.BurstCount} is out of range 1..100.");
        }

        if (a.RefreshCount is < 1 or > 100)
        {
            errors.Add($"{p}:Announcements:RefreshCount = {a.RefreshCount} is out of range 1..100.");
        }

        if (a.FrameSpacing < TimeSpan.Zero || a.FrameSpacing > TimeSpan.FromSeconds(10))
        {
            errors.Add($"{p}:Announcements:FrameSpacing = {a.FrameSpacing} is out of range 0..10s.");
        }

        if (a.SecondBurstDelay < TimeSpan.Zero)
        {
            errors.Add($"{p}:Announcements:SecondBurstDelay = {a.SecondBurstDelay} must not be negative.");
        }

        if (a.RefreshInterval is { } ri && ri < TimeSpan.FromMilliseconds(100))
        {
            errors.Add($"{p}:Announcements:RefreshInterval = {ri} is below 100ms.");
        }

        for (int i = 0; i < o.Pools.Count; i++)
        {
            try
            {
                _ = new VipPool(o.Pools[i]);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{p}:Pools:{i}: {ex.Message}");
            }

            if (o.Pools[i].Store is not (LeaseStoreOptions.Embedded or LeaseStoreOptions.Etcd))
            {
                errors.Add($"{p}:Pools:{i}:Store = '{o.Pools[i].Store}' is not 'embedded' or 'etcd'.");
            }
        }

        if (o.Leases.HistoryLimit <= 0 || o.Leases.SweepInterval <= TimeSpan.Zero)
        {
            errors.Add($"{p}:Leases: HistoryLimit = {o.Leases.HistoryLimit} and SweepInterval = {o.Leases.SweepInterval} must be positive.");
        }

        if (o.Notify.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"{p}:Notify:Timeout = {o.Notify.Timeout} must be positive.");
        }

        return errors;
    }

    /// <summary>
    /// <c>Routers:N:Forwarder</c>: the forwarder must exist, i.e. VirtualIp.Balancing (<c>AddVirtualIpForwarder</c> with that
    /// name) put its check <see cref="VrrpRouterOptions.ForwarderCheckName"/> on the options; the weight is -253..0.
    /// </summary>
    private static void ValidateForwarders(VirtualIpOptions o, string p, HashSet<string> checkNames, List<string> errors)
    {
        for (int i = 0; i < o.Routers.Count; i++)
        {
            if (o.Routers[i] is not { } r)
            {
                continue;
            }

            string k = $"{p}:Routers:{i}";
            if (string.IsNullOrEmpty(r.Forwarder))
            {
                if (r.ForwarderWeight != 0)
                {
                    errors.Add($"{k}:ForwarderWeight = {r.ForwarderWeight} needs {k}:Forwarder (the forwarder it weighs).");
                }

                continue;
            }

            if (!checkNames.Contains(VrrpRouterOptions.ForwarderCheckName(r.Forwarder)))
            {
                errors.Add($"{k}:Forwarder = '{r.Forwarder}' is not a configured forwarder (add it with AddVirtualIpForwarder, VirtualIp.Balancing, under that Name).");
            }

            if (r.ForwarderWeight is < -253 or > 0)
            {
                errors.Add($"{k}:ForwarderWeight = {r.ForwarderWeight} is out of range -253..0 (applied while the forwarder cannot serve; 0 = Fault).");
            }
        }
    }

    /// <summary>Load tracks, named with their key on the router (<c>Routers:N:TrackLoad:M</c>) when the router exists.</summary>
    private static void ValidateLoadTracks(VirtualIpOptions o, string p, List<string> errors)
    {
        var perRouter = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < o.TrackLoad.Count; k++)
        {
            var t = o.TrackLoad[k];
            int i = t is null ? -1 : IndexOfRouter(o, t.Router);
            string key = $"{p}:TrackLoad:{k}";
            if (i >= 0)
            {
                int j = perRouter.GetValueOrDefault(t!.Router);
                perRouter[t.Router] = j + 1;
                key = $"{p}:Routers:{i}:TrackLoad:{j}";
            }

            LoadTrack.Validate(t, key, _ => i >= 0, errors);
        }
    }

    private static int IndexOfRouter(VirtualIpOptions o, string name)
    {
        for (int i = 0; i < o.Routers.Count; i++)
        {
            if (o.Routers[i] is { } r && string.Equals(r.Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>Whether the host runs (then invalid options are reported to the reloader instead of thrown).</summary>
internal sealed class ValidationGate
{
    private volatile bool _running;

    public bool Running
    {
        get => _running;
        set => _running = value;
    }
}
