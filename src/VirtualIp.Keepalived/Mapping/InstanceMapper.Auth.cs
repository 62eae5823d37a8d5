using VirtualIp.Keepalived.Parsing;

namespace VirtualIp.Keepalived.Mapping;

/// <summary>The instance's <c>authentication</c> (PASS) and <c>auth_hmac</c> blocks.</summary>
internal static partial class InstanceMapper
{
    private static void Authentication(ConfigNode block, RouterModel r, Diagnostics d)
    {
        string? type = block.Children.FirstOrDefault(c => c.Name == "auth_type")?.Arg;
        var pass = block.Children.FirstOrDefault(c => c.Name == "auth_pass");
        foreach (var c in block.Children.Where(c => c.Name is not ("auth_type" or "auth_pass")))
        {
            d.Unmap(c, "unknown in authentication");
        }

        if (type == "AH")
        {
            d.Unmap(block, "IPsec AH authentication is not supported (use auth_hmac, or PASS)");
        }
        else if (type != "PASS")
        {
            d.Unmap(block, $"auth_type '{type}' is not PASS or AH");
        }
        else if (pass?.Arg is not { Length: > 0 } password)
        {
            d.Unmap(block, "auth_type PASS without an auth_pass");
        }
        else
        {
            r.AuthPass = (pass, password.Length > 8 ? password[..8] : password); // keepalived uses the first 8 characters
        }
    }

    private static HmacModel Hmac(ConfigNode block, Diagnostics d)
    {
        var h = new HmacModel();
        foreach (var c in block.Children)
        {
            switch (c.Name)
            {
                case "key" when c.Args.Count >= 2 && Values.TryInt(c, 0, 1, 255, d, out int id):
                    if (KeyLength(c.Args[1]) is int length and (< 32 or > 64))
                    {
                        d.Unmap(c, $"key {id} is {length} bytes; auth_hmac keys are 32..64 bytes");
                    }
                    else
                    {
                        h.Keys.Add($"{id}:{c.Args[1]}"); // hex:HEX, file:PATH or text: the reader takes the same forms after "ID:"
                    }

                    break;
                case "key":
                    if (c.Args.Count < 2)
                    {
                        d.Unmap(c, "a key needs an id and a value");
                    }

                    break;
                case "active_key":
                    if (Values.TryInt(c, 0, 1, 255, d, out int active))
                    {
                        h.ActiveKey = active;
                    }

                    break;
                case "time_window":
                    if (Values.TryInt(c, 0, 1, 300, d, out int window))
                    {
                        h.TimeWindowSeconds = window;
                    }

                    break;
                case "anti_replay" when c.Arg is "time" or "monotonic":
                    h.AntiReplay = c.Arg;
                    break;
                case "mode" when c.Arg is "enforce" or "permissive" or "receive-only":
                    h.Mode = c.Arg;
                    break;
                default:
                    d.Unmap(c, "unknown in auth_hmac or a value that is not accepted");
                    break;
            }
        }

        return h;
    }

    /// <summary>The key's length in bytes, or null for a key file (read when the host starts).</summary>
    private static int? KeyLength(string value) =>
        value.StartsWith("file:", StringComparison.Ordinal) ? null
        : value.StartsWith("hex:", StringComparison.Ordinal) ? (value.Length - 4) / 2
        : value.Length;
}
