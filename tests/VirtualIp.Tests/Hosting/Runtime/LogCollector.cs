using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace VirtualIp.Tests.Hosting.Runtime;

/// <summary>Collects formatted log lines with their event ids.</summary>
internal sealed class LogCollector : ILoggerProvider
{
    public ConcurrentQueue<(int EventId, LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
