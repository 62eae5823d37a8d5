using Microsoft.Extensions.Options;
using VirtualIp.Announcing;

namespace VirtualIp.Hosting;

/// <summary>
/// The announcer's options as an <see cref="IOptionsMonitor{TOptions}"/>: the <c>VirtualIp:Announcements</c> section of the
/// configuration the host accepted last (at start, then each valid reload), so a rejected reload never reaches the announcer.
/// </summary>
internal sealed class AnnouncerOptionsSource : IOptionsMonitor<AnnouncerOptions>
{
    private volatile AnnouncerOptions _current = new();
    private event Action<AnnouncerOptions, string?>? Changed;

    public AnnouncerOptions CurrentValue => _current;

    public AnnouncerOptions Get(string? name) => _current;

    public IDisposable? OnChange(Action<AnnouncerOptions, string?> listener)
    {
        Changed += listener;
        return new Subscription(() => Changed -= listener);
    }

    /// <summary>Makes <paramref name="options"/> current (from accepted configuration).</summary>
    public void Set(AnnouncerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _current = options;
        Changed?.Invoke(options, Options.DefaultName);
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
