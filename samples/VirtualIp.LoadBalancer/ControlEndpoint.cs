using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VirtualIp.Balancing;

namespace VirtualIp.LoadBalancer;

/// <summary>
/// The runtime commands over HTTP on a loopback address (<c>--control 127.0.0.1:PORT</c> or <c>Control:Listen</c>), no
/// authentication: any local process may call it, so it refuses anything but a loopback address. JSON in and out:
/// <code>
/// GET    /backends                              the backends with weight, health, draining, connections
/// POST   /backends        {"address":"HOST:PORT","name":"n","weight":2}   add one (201)
/// PUT    /backends/NAME/weight   {"weight":3}   set a weight
/// POST   /backends/NAME/drain?deadline=10s      drain: no new connections, the rest closed at the deadline (default 10s); waits
/// POST   /backends/NAME/resume                  take new connections again
/// DELETE /backends/NAME?deadline=10s            remove now, drain until the deadline (default 10s); waits
/// </code>
/// Errors: 400 (bad value), 404 (unknown backend), 409 (name taken, drain running), each with {"error": "..."}.
/// </summary>
internal sealed partial class ControlEndpoint(IPEndPoint listen, string forwarder, TimeSpan defaultDeadline, IForwarderManager manager, ILogger<ControlEndpoint> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var http = new HttpListener();
        http.Prefixes.Add($"http://{listen}/");
        http.Start();
        LogListening(logger, listen);
        using var stop = stoppingToken.Register(http.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await http.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                break;
            }

            _ = HandleAsync(context, stoppingToken);
        }
    }

    private async Task HandleAsync(HttpListenerContext context, CancellationToken ct)
    {
        var response = context.Response;
        try
        {
            var (status, body) = await RouteAsync(context.Request, ct);
            await WriteAsync(response, status, body);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or JsonException)
        {
            await WriteAsync(response, 400, Error(ex.Message));
        }
        catch (KeyNotFoundException ex)
        {
            await WriteAsync(response, 404, Error(ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            await WriteAsync(response, 409, Error(ex.Message));
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the client went away or the host is stopping
        }
    }

    private async Task<(int Status, string Body)> RouteAsync(HttpListenerRequest request, CancellationToken ct)
    {
        var control = manager.Get(forwarder);
        var segments = request.Url!.AbsolutePath.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        if (segments is not ["backends", ..])
        {
            return (404, Error($"no route {request.HttpMethod} {request.Url.AbsolutePath}; see GET /backends"));
        }

        switch (request.HttpMethod, segments.Length)
        {
            case ("GET", 1):
                return (200, Json(w => WriteBackends(w, control)));
            case ("POST", 1):
                using (var doc = await ReadJsonAsync(request))
                {
                    var root = doc.RootElement;
                    var options = new ForwarderBackendOptions
                    {
                        Address = root.TryGetProperty("address", out var a) ? a.GetString() ?? "" : throw new ArgumentException("The body needs \"address\": \"HOST:PORT\"."),
                        Name = root.TryGetProperty("name", out var n) ? n.GetString() : null,
                        Weight = root.TryGetProperty("weight", out var wt) ? wt.GetInt32() : 1,
                        HealthCheckAddress = root.TryGetProperty("healthCheckAddress", out var h) ? h.GetString() : null,
                    };
                    var added = await control.AddBackendAsync(options, ct);
                    return (201, Json(w => WriteStatus(w, added)));
                }

            case ("PUT", 3) when segments[2] == "weight":
                using (var doc = await ReadJsonAsync(request))
                {
                    int weight = doc.RootElement.ValueKind == JsonValueKind.Number ? doc.RootElement.GetInt32()
                        : doc.RootElement.TryGetProperty("weight", out var wt) ? wt.GetInt32() : throw new ArgumentException("The body needs {\"weight\": N}.");
                    var status = control.SetWeight(segments[1], weight);
                    return (200, Json(w => WriteStatus(w, status)));
                }

            case ("POST", 3) when segments[2] == "drain":
                {
                    bool clean = await control.DrainBackendAsync(segments[1], Deadline(request), ct);
                    return (200, Json(w => WriteDrain(w, segments[1], clean)));
                }

            case ("POST", 3) when segments[2] == "resume":
                {
                    var status = control.ResumeBackend(segments[1]);
                    return (200, Json(w => WriteStatus(w, status)));
                }

            case ("DELETE", 2):
                {
                    bool clean = await control.RemoveBackendAsync(segments[1], Deadline(request), ct);
                    return (200, Json(w => WriteDrain(w, segments[1], clean)));
                }

            default:
                return (404, Error($"no route {request.HttpMethod} {request.Url.AbsolutePath}; see GET /backends"));
        }
    }

    private TimeSpan Deadline(HttpListenerRequest request) =>
        request.QueryString["deadline"] is { Length: > 0 } text
            ? ParseDuration(text) ?? throw new FormatException($"deadline '{text}' is not a duration (500ms, 10s, 2m or seconds).")
            : defaultDeadline;

    /// <summary>"500ms", "10s", "2m" or a number of seconds.</summary>
    internal static TimeSpan? ParseDuration(string text)
    {
        (string number, double scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1)
            : text.EndsWith('m') ? (text[..^1], 60)
            : (text, 1);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n >= 0 && n < 1e6
            ? TimeSpan.FromSeconds(n * scale)
            : null;
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpListenerRequest request)
    {
        if (request.ContentLength64 > 64 * 1024)
        {
            throw new ArgumentException("The body is larger than 64 KiB.");
        }

        return await JsonDocument.ParseAsync(request.InputStream);
    }

    private static void WriteBackends(Utf8JsonWriter w, IForwarderControl control)
    {
        w.WriteStartObject();
        w.WriteString("forwarder", control.Name);
        w.WriteString("listen", control.LocalEndPoint.ToString());
        w.WriteString("scheduler", control.Scheduler);
        w.WriteNumber("activeConnections", control.ActiveConnections);
        w.WriteStartArray("backends");
        foreach (var b in control.GetBackends())
        {
            WriteStatus(w, b);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteStatus(Utf8JsonWriter w, BackendStatus b)
    {
        w.WriteStartObject();
        w.WriteString("name", b.Name);
        w.WriteString("endPoint", b.EndPoint.ToString());
        w.WriteNumber("weight", b.Weight);
        w.WriteBoolean("healthy", b.IsHealthy);
        w.WriteBoolean("draining", b.IsDraining);
        w.WriteBoolean("removing", b.IsRemoving);
        w.WriteNumber("activeConnections", b.ActiveConnections);
        w.WriteEndObject();
    }

    private static void WriteDrain(Utf8JsonWriter w, string name, bool clean)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteBoolean("allEndedBeforeDeadline", clean);
        w.WriteEndObject();
    }

    private static string Error(string message) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("error", message);
        w.WriteEndObject();
    });

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(w);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static async Task WriteAsync(HttpListenerResponse response, int status, string body)
    {
        try
        {
            var bytes = Encoding.UTF8.GetBytes(body + "\n");
            response.StatusCode = status;
            response.ContentType = "application/json";
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes);
            response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    [LoggerMessage(2170, LogLevel.Information, "Control endpoint on http://{EndPoint}/backends (loopback only, no authentication)")]
    private static partial void LogListening(ILogger logger, IPEndPoint endPoint);
}

/// <summary>Registers the control endpoint when <c>--control</c> or <c>Control:Listen</c> asks for it.</summary>
internal static class ControlEndpointRegistration
{
    public static bool TryAdd(IServiceCollection services, IConfiguration configuration,
        Dictionary<string, string> flags, string forwarder, TimeSpan defaultDeadline, TextWriter error)
    {
        var text = flags.GetValueOrDefault("control") ?? configuration["Control:Listen"];
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!IPEndPoint.TryParse(text, out var ep) || !IPAddress.IsLoopback(ep.Address) || ep.Port == 0)
        {
            error.WriteLine($"error: Control:Listen = '{text}' must be a loopback ADDR:PORT (e.g. 127.0.0.1:9100): the endpoint has no authentication");
            return false;
        }

        services.AddSingleton<IHostedService>(sp => new ControlEndpoint(
            ep, forwarder, defaultDeadline, sp.GetRequiredService<IForwarderManager>(), sp.GetRequiredService<ILogger<ControlEndpoint>>()));
        return true;
    }
}
