using System.Diagnostics.Metrics;
using System.Globalization;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>
/// Listens to the bus's instruments (meter <see cref="EventBusDiagnostics.MeterName"/>) the way a
/// metrics SDK does, and sums every measurement up per instrument and tag set.
/// </summary>
/// <remarks>
/// With the DI package the bus creates its meter through the container's <see cref="IMeterFactory"/>,
/// so each host has meters of its own: the collector listens only to the meters of the factory it is
/// given, and never sees another scene's bus.
/// </remarks>
internal sealed class MetricCollector : IDisposable
{
    private readonly Lock _lock = new();
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, Accumulator> _series = new(StringComparer.Ordinal);

    public MetricCollector(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EventBusDiagnostics.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public IReadOnlyList<MetricSeries> Series
    {
        get
        {
            lock (_lock)
            {
                return [.. _series.Values.Select(static a => a.ToSeries()).OrderBy(static s => s.Instrument, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Reads the observable instruments (the queue-depth gauge) now.</summary>
    public void ObserveGauges() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var tagMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (tagKey, tagValue) in tags)
        {
            tagMap[tagKey] = Convert.ToString(tagValue, CultureInfo.InvariantCulture) ?? "";
        }

        var key = instrument.Name + "|" + string.Join(",", tagMap.Select(static t => $"{t.Key}={t.Value}"));
        lock (_lock)
        {
            if (!_series.TryGetValue(key, out var series))
            {
                _series[key] = series = new Accumulator(instrument.Name, instrument.Unit, tagMap);
            }

            series.Add(value);
        }
    }

    private sealed class Accumulator(string instrument, string? unit, IReadOnlyDictionary<string, string> tags)
    {
        private long _count;
        private double _sum;
        private double _min = double.MaxValue;
        private double _max = double.MinValue;
        private double _last;

        public void Add(double value)
        {
            _count++;
            _sum += value;
            _min = Math.Min(_min, value);
            _max = Math.Max(_max, value);
            _last = value;
        }

        public MetricSeries ToSeries() => new(instrument, unit, tags, _count, _sum, _min, _max, _last);
    }
}
