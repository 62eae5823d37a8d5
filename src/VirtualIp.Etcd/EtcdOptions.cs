namespace VirtualIp.Etcd;

/// <summary>How to reach etcd and how long leases live there (configuration section VirtualIp:Etcd).</summary>
public sealed class EtcdOptions
{
    /// <summary>The configuration section name under VirtualIp.</summary>
    public const string SectionName = "Etcd";

    /// <summary>Client URLs, e.g. http://10.0.0.1:2379 (https for TLS). Tried in order; the next is used when one is unavailable.</summary>
    public IList<string> Endpoints { get; } = [];

    /// <summary>Key prefix for everything VirtualIp stores (default "/virtualip/").</summary>
    public string Prefix { get; set; } = "/virtualip/";

    /// <summary>
    /// TTL of this node's etcd lease (default 10 s; whole seconds, at least 2). Keys of a node that dies disappear after it;
    /// a node that cannot renew drops its VIPs before it runs out.
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one request may take (default 1 s).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many requests this node has in flight to etcd at most (default 64); more queue in the client.</summary>
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>How long an operation retries while etcd is unavailable before it fails (default: the lease TTL).</summary>
    public TimeSpan? OperationTimeout { get; set; }

    /// <summary>How long before its etcd lease could run out a node that could not renew it gives its VIPs up (default 250 ms).</summary>
    public TimeSpan FenceMargin { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a holder's last address is remembered for sticky re-acquisition (default 24 h).</summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>etcd user (with <see cref="Password"/>): the client authenticates and sends the token with every call.</summary>
    public string? Username { get; set; }

    /// <summary>etcd password.</summary>
    public string? Password { get; set; }

    /// <summary>PEM file of the CA that signed etcd's server certificate (https endpoints; default: the system store).</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>PEM client certificate for etcd's --client-cert-auth (with <see cref="ClientKeyPath"/>).</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>PEM private key of the client certificate.</summary>
    public string? ClientKeyPath { get; set; }

    /// <summary>The problems with these options, each naming its key under <paramref name="path"/> (empty when valid).</summary>
    public IReadOnlyList<string> Validate(string path)
    {
        var errors = new List<string>();
        if (Endpoints.Count == 0)
        {
            errors.Add($"{path}:Endpoints is required (e.g. http://127.0.0.1:2379).");
        }

        for (int i = 0; i < Endpoints.Count; i++)
        {
            if (!Uri.TryCreate(Endpoints[i], UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https") || u.Port <= 0)
            {
                errors.Add($"{path}:Endpoints:{i} = '{Endpoints[i]}' is not an http(s)://HOST:PORT URL.");
            }
        }

        if (string.IsNullOrEmpty(Prefix) || !Prefix.EndsWith('/'))
        {
            errors.Add($"{path}:Prefix = '{Prefix}' must end with '/'.");
        }

        if (LeaseTtl < TimeSpan.FromSeconds(2) || LeaseTtl.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            errors.Add($"{path}:LeaseTtl = {LeaseTtl} must be whole seconds, at least 2s (etcd leases count in seconds).");
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout >= LeaseTtl)
        {
            errors.Add($"{path}:RequestTimeout = {RequestTimeout} must be positive and below LeaseTtl.");
        }

        if (FenceMargin <= TimeSpan.Zero || FenceMargin * 2 >= LeaseTtl)
        {
            errors.Add($"{path}:FenceMargin = {FenceMargin} must be positive and below half of LeaseTtl.");
        }

        if (MaxConcurrentRequests < 1)
        {
            errors.Add($"{path}:MaxConcurrentRequests = {MaxConcurrentRequests} must be at least 1.");
        }

        if (Username is null != Password is null)
        {
            errors.Add($"{path}:Username and {path}:Password go together.");
        }

        if (ClientCertificatePath is null != ClientKeyPath is null)
        {
            errors.Add($"{path}:ClientCertificatePath and {path}:ClientKeyPath go together.");
        }

        foreach (var (key, file) in new[] { ("CaCertificatePath", CaCertificatePath), ("ClientCertificatePath", ClientCertificatePath), ("ClientKeyPath", ClientKeyPath) })
        {
            if (file is not null && !File.Exists(file))
            {
                errors.Add($"{path}:{key} = '{file}' does not exist.");
            }
        }

        return errors;
    }
}
