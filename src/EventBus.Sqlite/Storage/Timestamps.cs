namespace EventBus.Sqlite.Storage;

/// <summary>Times are stored as Unix milliseconds (INTEGER columns): compact, ordered, and readable by any tool.</summary>
internal static class Timestamps
{
    internal static long ToStored(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    internal static DateTimeOffset FromStored(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);
}
