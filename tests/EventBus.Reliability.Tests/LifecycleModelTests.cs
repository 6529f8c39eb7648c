using System.Collections.Concurrent;
using System.Diagnostics;
using CsCheck;
using EventBus.Tests.Consumers;

namespace EventBus.Reliability.Tests;

/// <summary>
/// Scenario 23: a model-based test of the consumer lifecycle. CsCheck generates runs (a face of the
/// engine and a history of steps: offers, each item's handler behaviour, stop requests from the test
/// thread and from inside handlers, deadlines firing, the fake clock passing the drain timeout, hung
/// handlers released) and each run executes against a real consumer (<see cref="LifecycleRun"/>).
/// A failing run is shrunk and printed with its seed; set <c>CsCheck_Seed</c> to replay it.
/// </summary>
public sealed class LifecycleModelTests(ITestOutputHelper output)
{
    /// <summary>Longer than every bounded wait inside a run put together: a run that reaches it hung in a step.</summary>
    private static readonly TimeSpan s_runBound = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task Scenario23_random_histories_of_offers_handler_behaviours_and_stop_requests_keep_every_lifecycle_promise()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("EVENTBUS_MODEL_SECONDS"), out var value) ? value : 40;
        var tally = new Tally();
        var clock = Stopwatch.StartNew();
        try
        {
            await LifecycleModel.Histories.SampleAsync(
                history => RunOnceAsync(history, tally),
                writeLine: output.WriteLine,
                time: seconds,
                threads: 2,
                print: history => history.ToString());
        }
        finally
        {
            output.WriteLine(tally.Summary(clock.Elapsed));
        }
    }

    internal static async Task RunOnceAsync(LifecycleHistory history, Tally tally)
    {
        await using var run = new LifecycleRun(history);
        var work = Task.Run(async () =>
        {
            await run.ExecuteAsync();
            await run.CheckAsync();
        });
        if (await Task.WhenAny(work, Task.Delay(s_runBound)) != work)
        {
            throw new TimeoutException($"The run did not finish within {s_runBound.TotalSeconds} s: the test thread hung at step {run.CurrentStep}.");
        }

        await work;
        tally.Count(history, run);
    }

    /// <summary>What the sample covered, printed whether it passed or not.</summary>
    internal sealed class Tally
    {
        private readonly ConcurrentDictionary<FaceKind, int> _runs = new();
        private long _steps;
        private long _accepted;
        private long _insideCalls;
        private long _knownHalts;

        public void Count(LifecycleHistory history, LifecycleRun run)
        {
            _runs.AddOrUpdate(history.Face, 1, static (_, count) => count + 1);
            Interlocked.Add(ref _steps, history.Steps.Count);
            Interlocked.Add(ref _accepted, run.Accepted);
            Interlocked.Add(ref _insideCalls, run.InsideCalls);
            if (run.KnewHalt)
            {
                Interlocked.Increment(ref _knownHalts);
            }
        }

        public string Summary(TimeSpan elapsed)
        {
            var faces = string.Join(", ", Enum.GetValues<FaceKind>().Select(face => $"{face} {_runs.GetValueOrDefault(face)}"));
            return $"scenario 23: {_runs.Values.Sum()} passing runs in {elapsed.TotalSeconds:F1} s ({faces}); " +
                $"{Interlocked.Read(ref _steps)} steps, {Interlocked.Read(ref _accepted)} offers accepted, " +
                $"{Interlocked.Read(ref _insideCalls)} stop requests from inside handlers, " +
                $"{Interlocked.Read(ref _knownHalts)} runs checked at a known halt with handlers still hung";
        }
    }
}
