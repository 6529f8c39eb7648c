using System.Collections.Concurrent;

namespace EventBus.Reliability.Tests;

/// <summary>Scenario 22: start, stop, complete, publish and subscribe interleaved from many threads.</summary>
public sealed class LifecycleRaceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scenario22_lifecycle_operations_from_many_threads_never_deadlock_and_the_drain_always_finishes()
    {
        var seed = Environment.GetEnvironmentVariable("EVENTBUS_RACE_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"scenario 22 seed: {seed} (set EVENTBUS_RACE_SEED to replay)");
        var iterations = 150;
        var unexpected = new ConcurrentQueue<Exception>();
        long operations = 0;

        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var iterationSeed = seed + iteration;
            var bus = EventBusFactory.Create(new EventBusOptions { DrainTimeout = TimeSpan.FromSeconds(20) });
            var threads = Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
            {
                var random = new Random(iterationSeed * 31 + t);
                var mine = new List<IEventSubscription>();
                for (var op = 0; op < 60; op++)
                {
                    Interlocked.Increment(ref operations);
                    try
                    {
                        switch (random.Next(10))
                        {
                            case 0 or 1:
                                mine.Add(bus.Subscribe<Ping>(async (_, ct) => await Task.Yield(), new SubscriptionOptions
                                {
                                    Mode = random.Next(2) == 0 ? DeliveryMode.Inline : DeliveryMode.Queued,
                                    Capacity = random.Next(1, 8),
                                    MaxConcurrency = random.Next(1, 3),
                                }));
                                break;
                            case 2 when mine.Count > 0:
                                var victim = mine[random.Next(mine.Count)];
                                mine.Remove(victim);
                                if (random.Next(2) == 0)
                                {
                                    victim.Dispose();
                                }
                                else
                                {
                                    await victim.DisposeAsync();
                                }

                                break;
                            case 3:
                                bus.Publish(new Ping(t, op));
                                break;
                            case 4 when random.Next(20) == 0:
                                await bus.CompleteAsync();
                                break;
                            case 5 when random.Next(40) == 0:
                                bus.Dispose();
                                break;
                            default:
                                await bus.PublishAsync(new Ping(t, op));
                                break;
                        }
                    }
                    catch (Exception ex) when (ex is ObjectDisposedException or EventBusFullException)
                    {
                        // Expected once the bus is closing, or when a no-wait publish meets a full overflow.
                    }
                    catch (Exception ex)
                    {
                        unexpected.Enqueue(ex);
                    }
                }
            })).ToArray();

            await Wait.For(Task.WhenAll(threads), $"iteration {iteration} (seed {iterationSeed}) to finish its operations");
            var result = await Wait.For(bus.CompleteAsync(), $"iteration {iteration} (seed {iterationSeed}) to drain");
            await Wait.For(bus.DisposeAsync(), $"iteration {iteration} to dispose");
            result.Should().NotBeNull();
        }

        unexpected.Should().BeEmpty();
        output.WriteLine($"scenario 22: {iterations} seeded iterations x 4 threads, {operations} operations; no deadlock, every drain finished, no unexpected exception");
    }
}
