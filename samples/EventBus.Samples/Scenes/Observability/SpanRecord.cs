using System.Diagnostics;
using System.Globalization;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>A finished span, copied out of its <see cref="Activity"/>: what an exporter would send.</summary>
internal sealed record SpanRecord(
    string Name,
    ActivityKind Kind,
    string Source,
    ActivityTraceId TraceId,
    ActivitySpanId SpanId,
    ActivitySpanId ParentSpanId,
    IReadOnlyList<ActivityContext> Links,
    ActivityStatusCode Status,
    DateTime StartTimeUtc,
    IReadOnlyDictionary<string, string> Tags)
{
    public bool HasParent => ParentSpanId != default;

    public string? Tag(string key) => Tags.GetValueOrDefault(key);

    public static SpanRecord From(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in activity.TagObjects)
        {
            tags[key] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        }

        return new SpanRecord(
            activity.DisplayName,
            activity.Kind,
            activity.Source.Name,
            activity.TraceId,
            activity.SpanId,
            activity.ParentSpanId,
            [.. activity.Links.Select(static l => l.Context)],
            activity.Status,
            activity.StartTimeUtc,
            tags);
    }
}
