namespace VirtualIp.Demo.Modes;

/// <summary>"--key value" pairs of the hidden modes.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Arguments Parse(string[] args)
    {
        var a = new Arguments();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            a._values[args[i]] = args[i + 1];
        }

        return a;
    }

    public string? TryGet(string key) => _values.GetValueOrDefault(key);

    public string Get(string key, string? fallback = null) =>
        _values.TryGetValue(key, out var v) ? v : fallback ?? throw new ArgumentException($"missing {key}", nameof(key));
}
