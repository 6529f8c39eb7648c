using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EventBus.Reliability.Tests;

/// <summary>Scenarios 13 and 14: failures stay where they happen, are reported once, and end in one dead letter.</summary>
public sealed class FailureIsolationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(DeliveryMode.Queued)]
    [InlineData(DeliveryMode.Inline)]
    public async Task Scenario13_one_throwing_subscriber_does_not_disturb_the_others_and_nothing_goes_unobserved(DeliveryMode mode)
    {
        var unobserved = 0;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => Interlocked.Increment(ref unobserved);
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            const int events = 2_000;
            var errors = new ConcurrentQueue<DeliveryError>();
            await using (var bus = EventBusFactory.Create(new EventBusOptions { OnError = errors.Enqueue }))
            {
                var healthy = Enumerable.Range(0, 4).Select(_ => new Recorder<Ping>(events)).ToArray();
                foreach (var recorder in healthy)
                {
                    bus.Subscribe<Ping>(recorder.Record, new SubscriptionOptions { Mode = mode });
                }

                // The throwers take the context, so every failure carries its event's id.
                bus.Subscribe<Ping>((ping, _) =>
                {
                    if (ping.Sequence % 2 == 0)
                    {
                        throw new InvalidOperationException("sync");
                    }
                }, new SubscriptionOptions { Mode = mode, Name = "sync-thrower", RetryPolicy = RetryPolicy.None });
                bus.Subscribe<Ping>(async (ping, _, _) =>
                {
                    await Task.Yield();
                    if (ping.Sequence % 2 == 1)
                    {
                        throw new InvalidOperationException("after await");
                    }
                }, new SubscriptionOptions { Mode = mode, Name = "async-thrower", RetryPolicy = RetryPolicy.None });

                for (var i = 0; i < events; i++)
                {
                    await bus.PublishAsync(new Ping(0, i));
                }

                foreach (var recorder in healthy)
                {
                    await recorder.WaitAsync("the healthy subscribers");
                    recorder.Items.Select(p => p.Sequence).Should().BeEquivalentTo(Enumerable.Range(0, events));
                }

                var result = await bus.CompleteAsync();
                result.DeadLettered.Should().Be(events);
            }

            errors.Should().HaveCount(events, "each failure is reported exactly once");
            errors.Should().OnlyContain(e => e.Context != null);
            errors.GroupBy(e => (e.Source, e.Context!.Id)).Should().HaveCount(events).And.OnlyContain(g => g.Count() == 1);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Volatile.Read(ref unobserved).Should().Be(0, "no task exception goes unobserved");
            output.WriteLine($"scenario 13 ({mode}): {events} events x 4 healthy subscribers all delivered; {errors.Count} failures reported once each; 0 unobserved task exceptions");
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }
    }

    [Fact]
    public async Task Scenario14_retry_then_exactly_one_dead_letter_with_the_configured_backoff()
    {
        var time = new TestTimeProvider();
        var sink = new DeadLetterQueue();
        var deadLettered = new Countdown(1);
        sink.Added += _ => deadLettered.Signal();
        await using var bus = EventBusFactory.Create(new EventBusOptions { TimeProvider = time, DeadLetterSink = sink });
        var attempts = new ConcurrentQueue<DateTimeOffset>();
        var failed = new SemaphoreSlim(0);
        bus.Subscribe<Ping>(_ =>
        {
            attempts.Enqueue(time.GetUtcNow());
            failed.Release();
            throw new InvalidOperationException("never works");
        }, new SubscriptionOptions { RetryPolicy = new RetryPolicy { MaxRetries = 3, BaseDelay = TimeSpan.FromSeconds(2), Backoff = BackoffKind.Linear, Jitter = 0 } });

        await bus.PublishAsync(new Ping(0, 1));
        foreach (var delay in new[] { 2, 4, 6 })
        {
            (await failed.WaitAsync(Wait.Timeout)).Should().BeTrue();
            await time.WaitForTimerAsync(TimeSpan.FromSeconds(delay));
            time.Advance(TimeSpan.FromSeconds(delay));
        }

        await deadLettered.WaitAsync("the dead letter");
        var start = attempts.First();
        attempts.Select(a => (a - start).TotalSeconds).Should().Equal(0, 2, 6, 12);
        sink.ToList().Should().ContainSingle().Which.Attempts.Should().Be(4);
        output.WriteLine("scenario 14: 1 + 3 retries at +0/+2/+6/+12 s (linear 2 s), exactly one dead letter with 4 attempts");
    }

    [Fact]
    public async Task Scenario14_a_failing_dead_letter_sink_is_surfaced_not_swallowed()
    {
        var logs = new CollectingLoggerFactory();
        var errors = new ConcurrentQueue<DeliveryError>();
        var surfaced = new Countdown(1);
        await using var bus = EventBusFactory.Create(new EventBusOptions
        {
            LoggerFactory = logs,
            DeadLetterSink = new BrokenSink(),
            OnError = e =>
            {
                errors.Enqueue(e);
                if (e.Kind == DeliveryErrorKind.DeadLetterSinkFailed)
                {
                    surfaced.Signal();
                }
            },
        });
        var subscription = bus.Subscribe<Ping>(_ => throw new InvalidOperationException("handler"), new SubscriptionOptions { RetryPolicy = RetryPolicy.None });

        await bus.PublishAsync(new Ping(0, 1));

        await surfaced.WaitAsync("the sink failure to be reported");
        errors.Should().ContainSingle(e => e.Kind == DeliveryErrorKind.DeadLetterSinkFailed).Which.Exception.Message.Should().Be("disk full");
        logs.Entries.Should().ContainSingle(e => e.EventId.Id == 1003 && e.Level == LogLevel.Critical);
        subscription.GetStatistics().DeadLettered.Should().Be(1);
        output.WriteLine("scenario 14: a throwing dead-letter sink was reported to OnError and logged at Critical (event 1003)");
    }

    private sealed class BrokenSink : IDeadLetterSink
    {
        public ValueTask WriteAsync(DeadLetter deadLetter, CancellationToken cancellationToken) => throw new IOException("disk full");
    }
}
