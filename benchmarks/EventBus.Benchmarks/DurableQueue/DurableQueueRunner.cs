using System.Diagnostics;
using System.Globalization;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.DurableQueue;

/// <summary>
/// <c>--durable</c>: issue 17's benchmark. For each synchronous level, one <see cref="EventBusDurableRow"/> and one
/// <see cref="RawSqliteLoopRow"/> (and, unless <c>--no-lease-row</c>, the raw loop with the queue's lease statements),
/// each on a file of its own; every round runs each of them once per producer count, the
/// order rotated by one case per round so that no case always runs first or after the same neighbour.
/// </summary>
public static class DurableQueueRunner
{
    public static int Run(IReadOnlyList<string> args) => HarnessMode.Run(args, DurableQueueOptions.Parse, DurableQueueOptions.Usage, Measure);

    private static DurableQueueReport Measure(DurableQueueOptions options)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var directory = Path.GetFullPath(options.DatabaseDirectory);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        Console.WriteLine($"Durable queue: {options}; files in {directory}");

        var rows = new List<DurableRow>();
        try
        {
            foreach (var level in options.Synchronous)
            {
                var name = level.ToLowerInvariant();
                rows.Add(new RawSqliteLoopRow(level, Path.Combine(directory, $"raw-{name}.db"), options.MaxBatchSize, leases: false));
                if (options.LeasingRow)
                {
                    rows.Add(new RawSqliteLoopRow(level, Path.Combine(directory, $"raw-leases-{name}.db"), options.MaxBatchSize, leases: true));
                }

                rows.Add(new EventBusDurableRow(level, Path.Combine(directory, $"eventbus-{name}.db"), options.MaxBatchSize));
            }

            var cases = (from row in rows from producers in options.Producers select (Row: row, Producers: producers)).ToArray();

            // A broken row fails here, before anything is timed.
            foreach (var (row, producers) in cases)
            {
                row.RunAsync(Math.Min(64, options.ItemsFor(producers)), producers).GetAwaiter().GetResult();
            }

            var samples = new List<DurableSample>();
            var total = options.WarmupRounds + options.Rounds;
            for (var r = 0; r < total; r++)
            {
                var round = r - options.WarmupRounds;
                var roundClock = Stopwatch.StartNew();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                for (var position = 0; position < cases.Length; position++)
                {
                    var (row, producers) = cases[(r + position) % cases.Length];
                    var sample = MeasureCase(row, producers, options.ItemsFor(producers), round, position);
                    if (round >= 0)
                    {
                        samples.Add(sample);
                    }
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(round < 0 ? "warm-up round" : $"round {round + 1}/{options.Rounds}")}: {roundClock.Elapsed.TotalSeconds:F1} s"));
            }

            clock.Stop();
            return DurableQueueReport.Build(options, samples, options.WarmupRounds, started, clock.Elapsed, directory);
        }
        finally
        {
            foreach (var row in rows)
            {
                row.Dispose();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    private static DurableSample MeasureCase(DurableRow row, int producers, int items, int round, int position)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Environment.CpuUsage.TotalTime;
        var wall = row.RunAsync(items, producers).GetAwaiter().GetResult();

        // CPU and bytes include the untimed wait for the last deletes (at most one batch), for both rows alike.
        var cpuUsed = Environment.CpuUsage.TotalTime - cpu;
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        return new DurableSample(round, position, row.Synchronous, producers, row.Name, items, wall.TotalNanoseconds, cpuUsed.TotalNanoseconds, bytes);
    }
}
