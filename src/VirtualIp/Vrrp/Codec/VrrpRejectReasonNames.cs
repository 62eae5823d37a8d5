using System.Text;

namespace VirtualIp.Vrrp;

/// <summary>
/// The snake_case name of every <see cref="VrrpRejectReason"/> (<c>bad_ttl</c>, <c>priority_zero_not_from_master</c>, ...):
/// the <c>reason</c> tag of the rejected-packet metric and the key of the rate-limited warnings. Built once from the
/// enum, so a new reason (e.g. <c>BadHmac</c> -> <c>bad_hmac</c>) needs no change here.
/// </summary>
internal static class VrrpRejectReasonNames
{
    private static readonly string[] s_names = Build();

    /// <summary>The metric tag for <paramref name="reason"/>; "unknown" for a value outside the enum.</summary>
    public static string ToTag(VrrpRejectReason reason) => (uint)reason < (uint)s_names.Length ? s_names[(int)reason] : "unknown";

    internal static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                // "BadIPHeader" -> "bad_ip_header": a break before an upper-case letter that follows a lower-case one,
                // or that starts a new word after an acronym.
                bool prevLower = i > 0 && char.IsLower(name[i - 1]);
                bool acronymEnd = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (prevLower || acronymEnd)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static string[] Build()
    {
        var names = new string[VrrpRouterStatistics.ReasonCount];
        Array.Fill(names, "unknown");
        foreach (var reason in Enum.GetValues<VrrpRejectReason>())
        {
            names[(int)reason] = ToSnakeCase(reason.ToString());
        }

        return names;
    }
}
