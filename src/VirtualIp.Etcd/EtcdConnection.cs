using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;
using VirtualIp.Leasing;

namespace VirtualIp.Etcd;

/// <summary>
/// gRPC channels to the etcd endpoints (the next one is used when the current one is unavailable), the auth token when a
/// user is configured, and the retry rule: an operation is retried while etcd is unavailable, each attempt with a
/// deadline, until the operation timeout; then <see cref="LeaseStoreUnavailableException"/>.
/// </summary>
internal sealed class EtcdConnection : IDisposable
{
    private readonly GrpcChannel[] _channels;
    private readonly EtcdOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _inFlight;
    private int _current;
    private Metadata? _auth;

    public EtcdConnection(EtcdOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _inFlight = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
        _channels = [.. options.Endpoints.Select(e => GrpcChannel.ForAddress(e, new GrpcChannelOptions { HttpHandler = CreateHandler(options) }))];
    }

    public EtcdOptions Options => _options;

    public KV.KVClient KV => new(_channels[Volatile.Read(ref _current) % _channels.Length]);

    public Lease.LeaseClient Lease => new(_channels[Volatile.Read(ref _current) % _channels.Length]);

    public Watch.WatchClient Watch => new(_channels[Volatile.Read(ref _current) % _channels.Length]);

    public Metadata? Headers => _auth;

    public DateTime Deadline(TimeSpan? cap = null) =>
        DateTime.UtcNow + (cap is { } c && c < _options.RequestTimeout ? (c > TimeSpan.Zero ? c : TimeSpan.FromMilliseconds(1)) : _options.RequestTimeout);

    /// <summary>Runs <paramref name="call"/> until it succeeds, etcd answers with a non-transient error, or the operation timeout passes.</summary>
    /// <remarks>
    /// At most <see cref="EtcdOptions.MaxConcurrentRequests"/> calls are in flight: the others queue here, so a burst of
    /// acquisitions does not spend its deadlines waiting for a stream; the operation timeout starts with the first attempt.
    /// </remarks>
    public async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        DateTimeOffset? giveUp = null;
        var backoff = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            RpcException failure;
            await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                giveUp ??= _time.GetUtcNow() + (_options.OperationTimeout ?? _options.LeaseTtl);
                await EnsureAuthenticatedAsync(cancellationToken).ConfigureAwait(false);
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (IsTransient(ex, cancellationToken))
            {
                failure = ex;
            }
            finally
            {
                _inFlight.Release();
            }

            Interlocked.Increment(ref _current); // try the next endpoint
            if (failure.StatusCode == StatusCode.Unauthenticated)
            {
                _auth = null;
            }

            if (_time.GetUtcNow() + backoff > giveUp)
            {
                throw new LeaseStoreUnavailableException(
                    $"etcd ({string.Join(", ", _options.Endpoints)}) did not answer {what} within {(_options.OperationTimeout ?? _options.LeaseTtl).TotalSeconds:0.#}s: {failure.StatusCode} {failure.Status.Detail}", failure);
            }

            await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
        }
    }

    public void Dispose()
    {
        foreach (var c in _channels)
        {
            c.Dispose();
        }

        _inFlight.Dispose();
    }

    internal static bool IsTransient(RpcException ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled
            or StatusCode.Internal or StatusCode.Unknown or StatusCode.Unauthenticated or StatusCode.ResourceExhausted or StatusCode.Aborted;

    private async Task EnsureAuthenticatedAsync(CancellationToken cancellationToken)
    {
        if (_options.Username is null || _auth is not null)
        {
            return;
        }

        var auth = new Auth.AuthClient(_channels[Volatile.Read(ref _current) % _channels.Length]);
        var reply = await auth.AuthenticateAsync(new AuthenticateRequest { Name = _options.Username, Password = _options.Password ?? "" },
            deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
        _auth = new Metadata { { "token", reply.Token } };
    }

    private static SocketsHttpHandler CreateHandler(EtcdOptions o)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = o.RequestTimeout };
        if (o.ClientCertificatePath is not null || o.CaCertificatePath is not null)
        {
            var ssl = new SslClientAuthenticationOptions();
            if (o.ClientCertificatePath is not null)
            {
                ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(o.ClientCertificatePath, o.ClientKeyPath)];
            }

            if (o.CaCertificatePath is not null)
            {
                var ca = X509CertificateLoader.LoadCertificateFromFile(o.CaCertificatePath);
                ssl.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                {
                    if (cert is null)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None && chain.Build(new X509Certificate2(cert));
                };
            }

            handler.SslOptions = ssl;
        }

        return handler;
    }
}
