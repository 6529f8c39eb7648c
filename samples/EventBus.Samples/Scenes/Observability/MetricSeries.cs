namespace EventBus.Samples.Scenes.Observability;

/// <summary>Every measurement of one instrument with one set of tags, summed up: what a metrics backend would store.</summary>
internal sealed record MetricSeries(
    string Instrument,
    string? Unit,
    IReadOnlyDictionary<string, string> Tags,
    long Count,
    double Sum,
    double Min,
    double Max,
    double Last)
{
    public double Average => Count == 0 ? 0 : Sum / Count;

    public string? Tag(string key) => Tags.GetValueOrDefault(key);
}
