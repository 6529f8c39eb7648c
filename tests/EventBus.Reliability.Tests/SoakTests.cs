using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace EventBus.Reliability.Tests;

/// <summary>
/// Scenario 21: a seeded random mix of throwing handlers, slow consumers, cancelled publishes and
/// shutdowns in mid-flight. Every (subscription, accepted event) pair must end in exactly one
/// terminal outcome: handled, dead-lettered, or reported as dropped or abandoned.
/// </summary>
/// <remarks>About 40 seconds by default; set EVENTBUS_SOAK_SECONDS for a longer run and
/// EVENTBUS_SOAK_SEED to replay a failing seed.</remarks>
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scenario21_soak_loses_nothing_accepted_and_duplicates_only_after_a_retry()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("EVENTBUS_SOAK_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next();
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("EVENTBUS_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var d) ? d : 40;
        output.WriteLine($"scenario 21 seed: {seed}, duration: {seconds} s (EVENTBUS_SOAK_SEED / EVENTBUS_SOAK_SECONDS)");

        var totals = new SoakTotals();
        var clock = Stopwatch.StartNew();
        var round = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            await RunRoundAsync(seed + round, totals);
            round++;
        }

        output.WriteLine($"scenario 21: {round} rounds, {totals.Published} publishes ({totals.Accepted} accepted, {totals.Refused} refused or cancelled), " +
            $"{totals.Pairs} (subscription, event) pairs: {totals.Ok} handled, {totals.DeadLettered} dead-lettered, {totals.Reported} reported dropped/abandoned, " +
            $"{totals.Retried} handled after a retry; lost 0, duplicates-without-retry 0, unexpected 0; {totals.Shutdowns} mid-flight shutdowns");
    }

    private static async Task RunRoundAsync(int seed, SoakTotals totals)
    {
        var random = new Random(seed);
        var outcomes = new Outcomes();
        var sink = new DeadLetterQueue(100_000);
        sink.Added += letter => outcomes.Terminal(letter.Source, ((Ping)letter.Message).Sequence, "dead-lettered");
        var bus = EventBusFactory.Create(new EventBusOptions
        {
            DeadLetterSink = sink,
            OnDropped = drop => outcomes.Terminal(drop.Source, ((Ping)drop.Event!).Sequence, drop.Reason.ToString()),
            DrainTimeout = TimeSpan.FromSeconds(20),
        });

        var subscriptionCount = random.Next(2, 6);
        var names = new List<string>();
        for (var i = 0; i < subscriptionCount; i++)
        {
            var name = $"s{i}";
            names.Add(name);
            var failureRate = random.Next(4) == 0 ? 0 : random.NextDouble() * 0.3;
            var slow = random.Next(4) == 0;
            var handlerSeed = random.Next();
            var options = new SubscriptionOptions
            {
                Name = name,
                Mode = random.Next(4) == 0 ? DeliveryMode.Inline : DeliveryMode.Queued,
                Capacity = random.Next(1, 64),
                MaxConcurrency = random.Next(1, 3),
                FullMode = random.Next(5) switch { 0 => BufferFullMode.DropOldest, 1 => BufferFullMode.DropWrite, _ => BufferFullMode.Wait },
                RetryPolicy = new RetryPolicy { MaxRetries = random.Next(0, 3), BaseDelay = TimeSpan.FromMilliseconds(random.Next(0, 3)), Jitter = 0.5 },
            };
            var local = new ThreadLocal<Random>(() => new Random(Interlocked.Increment(ref handlerSeed)));
            bus.Subscribe<Ping>(async (ping, ct) =>
            {
                outcomes.Invoked(name, ping.Sequence);
                var r = local.Value!;
                if (slow && r.Next(10) == 0)
                {
                    await Task.Delay(r.Next(1, 3), ct);
                }
                else if (r.Next(4) == 0)
                {
                    await Task.Yield();
                }

                ct.ThrowIfCancellationRequested();
                if (r.NextDouble() < failureRate)
                {
                    outcomes.Failed(name, ping.Sequence);
                    throw new InvalidOperationException("injected failure");
                }

                outcomes.Terminal(name, ping.Sequence, "handled");
            }, options);
        }

        // Publishers, some publishes cancelled while they wait; a shutdown with a short deadline
        // lands in the middle of it in about half the rounds.
        var accepted = new ConcurrentBag<int>();
        var acceptedSome = new Countdown(random.Next(1, 200));
        var refused = 0;
        var next = 0;
        var perPublisher = random.Next(200, 2_000);
        var publishers = Enumerable.Range(0, random.Next(1, 4)).Select(p => Task.Run(async () =>
        {
            var r = new Random(seed * 7 + p);
            for (var i = 0; i < perPublisher; i++)
            {
                var id = Interlocked.Increment(ref next);
                using var cts = new CancellationTokenSource();
                try
                {
                    var publish = r.Next(5) == 0 ? PublishSync(bus, id) : bus.PublishAsync(new Ping(p, id), cts.Token);
                    if (r.Next(20) == 0)
                    {
                        await cts.CancelAsync();
                    }

                    await publish;
                    accepted.Add(id);
                    acceptedSome.Signal();
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or EventBusFullException)
                {
                    Interlocked.Increment(ref refused);
                    if (ex is ObjectDisposedException)
                    {
                        return;
                    }
                }
            }
        })).ToArray();

        var midFlight = random.Next(2) == 0;
        if (midFlight)
        {
            // Shut down while the publishers are busy: after a random number of accepted events
            // (or once they are done, if fewer were accepted).
            await Task.WhenAny(acceptedSome.Task, Task.WhenAll(publishers));
            using var deadline = new CancellationTokenSource();
            var drain = bus.CompleteAsync(deadline.Token);
            if (random.Next(2) == 0)
            {
                await deadline.CancelAsync();
            }

            await Wait.For(drain, $"the mid-flight drain (seed {seed})");
            Interlocked.Increment(ref totals.Shutdowns);
        }

        await Wait.For(Task.WhenAll(publishers), $"the publishers (seed {seed})");
        await Wait.For(bus.CompleteAsync(), $"the drain (seed {seed})");

        // Every accepted event must reach a terminal outcome at every subscription.
        var expected = accepted.SelectMany(id => names.Select(n => (n, id))).ToList();
        await Wait.For(outcomes.WaitForAsync(expected), $"every accepted event's outcome (seed {seed}): missing {outcomes.Describe(expected)}");
        await bus.DisposeAsync();

        var violations = outcomes.Violations(expected, Volatile.Read(ref next));
        violations.Should().BeEmpty($"seed {seed}");
        totals.Add(outcomes, expected, accepted.Count, Volatile.Read(ref next), Volatile.Read(ref refused));
    }

    private static ValueTask PublishSync(IEventBus bus, int id)
    {
        bus.Publish(new Ping(9, id));
        return default;
    }

    private sealed class SoakTotals
    {
        public long Published;
        public long Accepted;
        public long Refused;
        public long Pairs;
        public long Ok;
        public long DeadLettered;
        public long Reported;
        public long Retried;
        public int Shutdowns;

        public void Add(Outcomes outcomes, List<(string, int)> expected, int accepted, int published, int refused)
        {
            Published += published;
            Accepted += accepted;
            Refused += refused;
            Pairs += expected.Count;
            foreach (var pair in expected)
            {
                var outcome = outcomes.FirstOutcome(pair);
                if (outcome == "handled")
                {
                    Ok++;
                    if (outcomes.FailureCount(pair) > 0)
                    {
                        Retried++;
                    }
                }
                else if (outcome == "dead-lettered")
                {
                    DeadLettered++;
                }
                else
                {
                    Reported++;
                }
            }
        }
    }

    private sealed class Outcomes
    {
        private readonly ConcurrentDictionary<(string, int), ConcurrentQueue<string>> _terminal = new();
        private readonly ConcurrentDictionary<(string, int), int> _invocations = new();
        private readonly ConcurrentDictionary<(string, int), int> _failures = new();
        private readonly Lock _gate = new();
        private HashSet<(string, int)>? _waitingFor;
        private TaskCompletionSource? _allArrived;

        public void Invoked(string subscription, int id) => _invocations.AddOrUpdate((subscription, id), 1, (_, n) => n + 1);

        public void Failed(string subscription, int id) => _failures.AddOrUpdate((subscription, id), 1, (_, n) => n + 1);

        public void Terminal(string subscription, int id, string outcome)
        {
            // Under the lock WaitForAsync takes: it must never see the key before the outcome is in its queue.
            lock (_gate)
            {
                _terminal.GetOrAdd((subscription, id), _ => new ConcurrentQueue<string>()).Enqueue(outcome);
                if (_waitingFor is not null && _waitingFor.Remove((subscription, id)) && _waitingFor.Count == 0)
                {
                    _allArrived!.TrySetResult();
                }
            }
        }

        public Task WaitForAsync(List<(string, int)> expected)
        {
            lock (_gate)
            {
                _allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waitingFor = expected.Where(pair => !_terminal.ContainsKey(pair)).ToHashSet();
                if (_waitingFor.Count == 0)
                {
                    _allArrived.TrySetResult();
                }

                return _allArrived.Task;
            }
        }

        public string Describe(List<(string, int)> expected) =>
            string.Join(", ", expected.Where(pair => !_terminal.ContainsKey(pair)).Take(10));

        public string? FirstOutcome((string, int) pair) => _terminal.TryGetValue(pair, out var q) && q.TryPeek(out var o) ? o : null;

        public int FailureCount((string, int) pair) => _failures.GetValueOrDefault(pair);

        public List<string> Violations(List<(string, int)> expected, int lastId)
        {
            var violations = new List<string>();
            foreach (var pair in expected)
            {
                if (!_terminal.TryGetValue(pair, out var outcomes) || outcomes.IsEmpty)
                {
                    violations.Add($"lost {pair}");
                }
                else if (outcomes.Count(o => o == "handled") > 1)
                {
                    violations.Add($"handled twice {pair}");
                }
            }

            foreach (var (pair, invocations) in _invocations)
            {
                if (invocations > 1 && _failures.GetValueOrDefault(pair) == 0)
                {
                    violations.Add($"duplicate without retry {pair} x{invocations}");
                }

                if (pair.Item2 < 1 || pair.Item2 > lastId)
                {
                    violations.Add($"unexpected {pair}");
                }
            }

            return violations;
        }
    }
}
