using System.Globalization;
using VirtualIp.Vrrp.Auth;

namespace VirtualIp.Vrrp;

/// <summary>Checks <see cref="VrrpAuthHmacOptions"/>; every message names the configuration key (never the secret).</summary>
internal static class VrrpAuthHmacOptionsValidator
{
    /// <summary>Adds the problems of <paramref name="router"/>'s AuthHmac section to <paramref name="errors"/>.</summary>
    public static void Validate(VrrpRouterOptions router, string key, List<string> errors)
    {
        if (router.AuthHmac is not { } options)
        {
            return;
        }

        string auth = $"{key}:AuthHmac";
        if (router.AuthPassword is not null)
        {
            errors.Add($"{key}:AuthPassword and {auth} cannot be combined (keepalived drops the password); remove AuthPassword.");
        }

        _ = VrrpAuthKeyRing.TryLoad(options, auth, errors);
        if (!Enum.IsDefined(options.Mode))
        {
            errors.Add(Invariant($"{auth}:Mode = {options.Mode} is not enforce, permissive or receive-only."));
        }

        if (!Enum.IsDefined(options.AntiReplay))
        {
            errors.Add(Invariant($"{auth}:AntiReplay = {options.AntiReplay} is not time or monotonic."));
        }

        if (options.TimeWindow is { } w &&
            (w < TimeSpan.FromSeconds(1) || w > TimeSpan.FromSeconds(VrrpAuthenticator.MaxWindowSeconds) || w.Ticks % TimeSpan.TicksPerSecond != 0))
        {
            errors.Add(Invariant($"{auth}:TimeWindow = {w} must be whole seconds 1..{VrrpAuthenticator.MaxWindowSeconds} (the trailer carries seconds)."));
        }
    }

    /// <summary>The window in seconds the router uses: the configured one, else keepalived's default.</summary>
    public static int WindowSeconds(VrrpAuthHmacOptions options, TimeSpan advertisementInterval) =>
        options.TimeWindow is { } w ? (int)(w.Ticks / TimeSpan.TicksPerSecond) : VrrpAuthenticator.DefaultWindowSeconds(advertisementInterval);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
