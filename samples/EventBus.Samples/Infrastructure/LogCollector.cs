using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EventBus.Samples.Infrastructure;

/// <summary>A logger provider that keeps every entry in memory, so a scene can show the bus's logs
/// as a table instead of letting them interleave with its output. It keeps the logging scopes too (the
/// host's scope provider hands them over), as a console or OpenTelemetry logger would show them.</summary>
internal sealed class LogCollector : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogRecord> _records = new();
    private IExternalScopeProvider? _scopes;

    public IReadOnlyList<LogRecord> Records => [.. _records];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private string? CurrentScope()
    {
        List<string>? scopes = null;
        _scopes?.ForEachScope(static (scope, list) => list.Add(scope?.ToString() ?? ""), scopes = []);
        return scopes is null || scopes.Count == 0 ? null : string.Join(" => ", scopes);
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes?.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._records.Enqueue(new LogRecord(category, logLevel, eventId, formatter(state, exception), exception, owner.CurrentScope()));
    }
}
