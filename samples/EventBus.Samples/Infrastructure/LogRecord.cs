using Microsoft.Extensions.Logging;

namespace EventBus.Samples.Infrastructure;

/// <summary>One log entry, with the logging scopes it was written in (outermost first, joined by " => "), or null.</summary>
internal sealed record LogRecord(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception, string? Scope = null);
