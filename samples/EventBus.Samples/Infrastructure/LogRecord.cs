using Microsoft.Extensions.Logging;

namespace EventBus.Samples.Infrastructure;

/// <summary>One log entry.</summary>
internal sealed record LogRecord(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);
