using System.Buffers;
using System.Net;
using System.Text;

namespace VirtualIp.Health.Probes;

/// <summary>Options for an HTTP(S) probe.</summary>
internal sealed class HttpProbeSettings
{
    public int MinStatus { get; init; } = 200;

    public int MaxStatus { get; init; } = 399;

    public string? BodyContains { get; init; }

    public int MaxBodyBytes { get; init; } = 4096;

    public bool AllowUntrustedCertificate { get; init; }
}

/// <summary>
/// Healthy when a GET returns a status in the expected range (and, optionally, the first bytes of the body contain a
/// text). All HTTP probes share one <see cref="SocketsHttpHandler"/> (connection pooling, no per-check client).
/// </summary>
internal sealed class HttpProbe : IHealthProbe
{
    private static readonly Lazy<HttpMessageInvoker> s_invoker = new(() => CreateInvoker(validateCertificates: true));
    private static readonly Lazy<HttpMessageInvoker> s_untrustedInvoker = new(() => CreateInvoker(validateCertificates: false));

    private readonly Uri _uri;
    private readonly HttpProbeSettings _settings;
    private readonly byte[]? _expected;
    private readonly HttpMessageInvoker _invoker;

    public HttpProbe(Uri uri, HttpProbeSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{uri}' is not an absolute http:// or https:// URL.", nameof(uri));
        }

        settings ??= new HttpProbeSettings();
        if (settings.MinStatus is < 100 or > 599 || settings.MaxStatus < settings.MinStatus || settings.MaxStatus > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), $"Invalid expected status range {settings.MinStatus}-{settings.MaxStatus}.");
        }

        if (settings.MaxBodyBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.MaxBodyBytes, "MaxBodyBytes must be positive.");
        }

        _uri = uri;
        _settings = settings;
        _expected = string.IsNullOrEmpty(settings.BodyContains) ? null : Encoding.UTF8.GetBytes(settings.BodyContains);
        if (_expected is not null && _expected.Length > settings.MaxBodyBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.MaxBodyBytes, "MaxBodyBytes is shorter than the expected body text.");
        }

        _invoker = settings.AllowUntrustedCertificate ? s_untrustedInvoker.Value : s_invoker.Value;
    }

    public Uri Uri => _uri;

    public async ValueTask<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _uri) { Version = HttpVersion.Version11 };
        HttpResponseMessage response;
        try
        {
            response = await _invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return ProbeResult.Failure(ProbeErrors.ReasonFor(ex));
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status < _settings.MinStatus || status > _settings.MaxStatus)
            {
                return ProbeResult.Failure(ProbeReasons.UnexpectedStatus);
            }

            if (_expected is null)
            {
                return ProbeResult.Success;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(_settings.MaxBodyBytes);
            try
            {
                var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    var filled = 0;
                    while (filled < _settings.MaxBodyBytes)
                    {
                        var read = await stream.ReadAsync(buffer.AsMemory(filled, _settings.MaxBodyBytes - filled), cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        filled += read;
                        if (buffer.AsSpan(0, filled).IndexOf(_expected) >= 0)
                        {
                            return ProbeResult.Success;
                        }
                    }
                }

                return ProbeResult.Failure(ProbeReasons.BodyMismatch);
            }
            catch (IOException ex)
            {
                return ProbeResult.Failure(ProbeErrors.ReasonFor(ex));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    public override string ToString() => _uri.ToString();

    private static HttpMessageInvoker CreateInvoker(bool validateCertificates)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        if (!validateCertificates)
        {
#pragma warning disable CA5359 // Opt-in only (AllowUntrustedCertificate), for self-signed health endpoints.
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        return new HttpMessageInvoker(handler, disposeHandler: true);
    }
}
