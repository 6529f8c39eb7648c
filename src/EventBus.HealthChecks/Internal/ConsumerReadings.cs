using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EventBus.HealthChecks.Internal;

/// <summary>
/// What the previous checks saw of each consumer, so that this one can tell a full buffer that stays
/// full from a burst, dead letters that are new from old ones, and a consumer that stopped finishing
/// work from one that is merely busy. One per check registration, kept in the container.
/// </summary>
internal sealed class ConsumerReadings(EventBusHealthCheckOptions options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<object, Reading> _readings = new(ReferenceEqualityComparer.Instance);

    internal HealthCheckResult Evaluate(List<ConsumerSample> consumers, HealthStatus failureStatus)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var stalled = 0;
        var degraded = 0;
        lock (_gate)
        {
            var now = time.GetTimestamp();
            var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
            foreach (var consumer in consumers)
            {
                seen.Add(consumer.Identity);
                if (!_readings.TryGetValue(consumer.Identity, out var reading))
                {
                    // Dead letters from before the first check count as new: the first check reports them.
                    reading = new Reading { Finished = consumer.Finished, ProgressAt = now };
                    _readings.Add(consumer.Identity, reading);
                }

                var problems = new List<string>(3);
                if (consumer.Finished != reading.Finished || consumer.Pending == 0)
                {
                    reading.Finished = consumer.Finished;
                    reading.ProgressAt = now;
                }
                else if (time.GetElapsedTime(reading.ProgressAt, now) is var idle && idle >= options.StallTimeout)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"stalled: {consumer.Pending} pending and nothing finished for {idle.TotalSeconds:0.#} s"));
                    stalled++;
                }

                var full = consumer.Capacity > 0 && (double)consumer.Buffered / consumer.Capacity >= options.FillRatio;
                if (full && reading.WasFull)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{consumer.Buffered} of {consumer.Capacity} buffered ({100.0 * consumer.Buffered / consumer.Capacity:0}%) at two checks in a row"));
                    degraded++;
                }

                reading.WasFull = full;
                if (consumer.DeadLettered > reading.DeadLettered)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"{consumer.DeadLettered - reading.DeadLettered} new dead letters"));
                    degraded++;
                }

                reading.DeadLettered = consumer.DeadLettered;
                if (problems.Count > 0)
                {
                    data[consumer.Label] = string.Join("; ", problems);
                }
            }

            // Forget consumers that are gone (unsubscribed), so their readings do not pile up.
            foreach (var gone in _readings.Keys.Where(key => !seen.Contains(key)).ToList())
            {
                _readings.Remove(gone);
            }
        }

        if (stalled > 0)
        {
            return new HealthCheckResult(failureStatus, Describe(data, string.Create(CultureInfo.InvariantCulture, $"made no progress for {options.StallTimeout.TotalSeconds:0.#} s with work pending")), data: data);
        }

        return degraded > 0
            ? HealthCheckResult.Degraded(Describe(data, "is not keeping up"), data: data)
            : HealthCheckResult.Healthy($"{consumers.Count} consumers keep up.", data);
    }

    private static string Describe(Dictionary<string, object> data, string verdict) => data.Count == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{data.Keys.Single()} {verdict}: {data.Values.Single()}.")
        : string.Create(CultureInfo.InvariantCulture, $"{data.Count} consumers have trouble: {string.Join(", ", data.Select(entry => $"{entry.Key} ({entry.Value})"))}.");

    /// <summary>What the previous check saw of one consumer.</summary>
    private sealed class Reading
    {
        public long Finished { get; set; }

        public long ProgressAt { get; set; }

        public bool WasFull { get; set; }

        public long DeadLettered { get; set; }
    }
}
