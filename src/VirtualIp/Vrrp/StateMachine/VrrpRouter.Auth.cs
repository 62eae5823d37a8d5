using VirtualIp.Election;
using VirtualIp.Vrrp.Auth;

namespace VirtualIp.Vrrp;

/// <summary>
/// The router's hooks for authenticated adverts (keepalived <c>auth_hmac</c>): the logic is in <see cref="VrrpAuthenticator"/>,
/// signing in <see cref="VrrpAdvertSender"/>, trailer split and verification in <see cref="VrrpAdvertValidator"/>.
/// </summary>
internal sealed partial class VrrpRouter
{
    private readonly VrrpAuthenticator? _auth;

    /// <summary>The signing key id, or null without AuthHmac (tests).</summary>
    internal byte? ActiveAuthKeyId
    {
        get
        {
            lock (_gate)
            {
                return _auth?.ActiveKeyId;
            }
        }
    }

    /// <summary>Hitless rotation: sign with another configured key from the next advert on. False when the id is not configured.</summary>
    internal bool TrySetActiveAuthKey(byte id)
    {
        lock (_gate)
        {
            return _auth?.TrySetActiveKey(id) ?? false;
        }
    }

    private static VrrpAuthenticator? CreateAuthenticator(VrrpRouterConfiguration options, TimeProvider time)
    {
        if (options.AuthHmac is not { } hmac)
        {
            return null;
        }

        var errors = new List<string>();
        var keys = VrrpAuthKeyRing.TryLoad(hmac, $"VrrpRouterOptions '{options.Name}':AuthHmac", errors)
            ?? throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        bool ipv6 = options.Vips[0].IsIPv6;
        return new VrrpAuthenticator(keys, hmac.Mode, hmac.AntiReplay, VrrpAuthHmacOptionsValidator.WindowSeconds(hmac, options.AdvertisementInterval),
            ipv6, options.Version, (byte)options.VirtualRouterId, options.UnicastPeers.Count, time);
    }
}
