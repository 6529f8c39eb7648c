using System.Collections.Concurrent;
using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.WorkQueues;

public sealed class WorkQueueTests : WorkQueueTestBase
{
    [Fact]
    public async Task Each_item_is_handled_by_exactly_one_worker_with_4_producers_and_4_workers()
    {
        const int producers = 4;
        const int perProducer = 50_000;
        var seen = new int[producers * perProducer];
        var done = new Countdown(seen.Length);
        var queue = Track(WorkQueue.Create<Ping>(ping =>
        {
            Interlocked.Increment(ref seen[(ping.Publisher * perProducer) + ping.Sequence]);
            done.Signal();
        }, Options<Ping>(o => o.WorkerCount = 4)));

        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                await queue.EnqueueAsync(new Ping(p, i));
            }
        })));

        await done.WaitAsync("every item");
        var result = await Wait.For(queue.CompleteAsync(), "the drain");
        seen.Should().OnlyContain(count => count == 1, "each enqueued id is handled once and only once");
        result.Delivered.Should().Be(seen.Length);
        result.Completed.Should().BeTrue();
        queue.GetStatistics().Should().Be(new WorkQueueStatistics(seen.Length, 0, 0, 0, 0, 0));
    }

    [Fact]
    public async Task Sync_async_and_context_handlers_all_process_items()
    {
        var received = new ConcurrentBag<string>();
        var done = new Countdown(4);
        EventContext? seenContext = null;
        var sync = Track(WorkQueue.Create<Ping>(_ => { received.Add("sync"); done.Signal(); }, Options<Ping>()));
        var syncContext = Track(WorkQueue.Create<Ping>((_, context) =>
        {
            seenContext = context;
            received.Add("sync+context");
            done.Signal();
        }, Options<Ping>()));
        var async = Track(WorkQueue.Create<Ping>(async (_, _) => { await Task.Yield(); received.Add("async"); done.Signal(); }, Options<Ping>()));
        var asyncContext = Track(WorkQueue.Create<Ping>(async (_, _, _) => { await Task.Yield(); received.Add("async+context"); done.Signal(); }, Options<Ping>()));

        await sync.EnqueueAsync(new Ping(0, 1));
        await syncContext.EnqueueAsync(new Ping(0, 1));
        await async.EnqueueAsync(new Ping(0, 1));
        asyncContext.TryEnqueue(new Ping(0, 1)).Should().BeTrue();

        await done.WaitAsync("all four handler shapes");
        received.Should().BeEquivalentTo("sync", "sync+context", "async", "async+context");
        seenContext!.Id.Should().NotBe(Guid.Empty);
        seenContext.Timestamp.Should().Be(Time.GetUtcNow(), "the context is stamped on the queue's clock at enqueue");
        seenContext.EventType.Should().Be<Ping>();
    }

    [Fact]
    public async Task Under_random_failures_every_item_is_processed_or_dead_lettered_and_retries_are_counted()
    {
        const int items = 20_000;
        const int maxRetries = 3;
        var random = new Random(20261126);
        var fails = new bool[items, maxRetries + 1];
        for (var i = 0; i < items; i++)
        {
            for (var attempt = 0; attempt <= maxRetries; attempt++)
            {
                fails[i, attempt] = random.NextDouble() < 0.3;
            }
        }

        var attempts = new int[items];
        var processed = new int[items];
        var finished = new Countdown(items);
        DeadLetters.Added += _ => finished.Signal();
        var queue = Track(WorkQueue.Create<Ping>(ping =>
        {
            var attempt = Interlocked.Increment(ref attempts[ping.Sequence]) - 1;
            if (fails[ping.Sequence, attempt])
            {
                throw new InvalidOperationException($"failure of {ping.Sequence} on attempt {attempt}");
            }

            Interlocked.Increment(ref processed[ping.Sequence]);
            finished.Signal();
        }, Options<Ping>(o => { o.WorkerCount = 4; o.RetryPolicy = NoDelayRetries(maxRetries); })));

        await Task.WhenAll(Enumerable.Range(0, 2).Select(p => Task.Run(async () =>
        {
            for (var i = p; i < items; i += 2)
            {
                await queue.EnqueueAsync(new Ping(0, i));
            }
        })));

        await finished.WaitAsync("every item processed or dead-lettered");
        var result = await Wait.For(queue.CompleteAsync(), "the drain");

        long expectedFailedAttempts = 0;
        long expectedRetried = 0;
        var expectedDeadLettered = new List<int>();
        for (var i = 0; i < items; i++)
        {
            var firstSuccess = Enumerable.Range(0, maxRetries + 1).Where(a => !fails[i, a]).DefaultIfEmpty(-1).First();
            var failedAttempts = firstSuccess < 0 ? maxRetries + 1 : firstSuccess;
            expectedFailedAttempts += failedAttempts;
            expectedRetried += Math.Min(failedAttempts, maxRetries);
            if (firstSuccess < 0)
            {
                expectedDeadLettered.Add(i);
            }

            attempts[i].Should().Be(firstSuccess < 0 ? maxRetries + 1 : firstSuccess + 1, "item {0} is tried until it succeeds or runs out of retries", i);
            processed[i].Should().Be(firstSuccess < 0 ? 0 : 1, "item {0} succeeds at most once", i);
        }

        expectedDeadLettered.Should().NotBeEmpty("the seed makes some items fail every attempt");
        DeadLetters.ToList().Select(l => ((Ping)l.Message).Sequence).Should().BeEquivalentTo(expectedDeadLettered);
        DeadLetters.ToList().Should().OnlyContain(l => l.Attempts == maxRetries + 1 && l.Source == "Ping");
        var stats = queue.GetStatistics();
        stats.Processed.Should().Be(items - expectedDeadLettered.Count);
        stats.DeadLettered.Should().Be(expectedDeadLettered.Count);
        stats.FailedAttempts.Should().Be(expectedFailedAttempts);
        stats.Retried.Should().Be(expectedRetried);
        result.Delivered.Should().Be(stats.Processed);
        result.Completed.Should().BeTrue();
    }

    [Fact]
    public async Task A_poison_item_waiting_for_its_backoff_does_not_delay_the_others()
    {
        const int others = 100;
        var poisonAttempts = 0;
        var processed = new Recorder<int>(others);
        var deadLettered = new Countdown(1);
        DeadLetters.Added += _ => deadLettered.Signal();
        var backoff = TimeSpan.FromMinutes(1);
        var queue = Track(WorkQueue.Create<Ping>(ping =>
        {
            if (ping.Sequence < 0)
            {
                Interlocked.Increment(ref poisonAttempts);
                throw new InvalidOperationException("poison");
            }

            processed.Record(ping.Sequence);
        }, Options<Ping>(o =>
        {
            o.WorkerCount = 1;
            o.RetryPolicy = FixedRetries(2, backoff);
        })));
        var start = Time.GetUtcNow();

        await queue.EnqueueAsync(new Ping(0, -1));
        for (var i = 0; i < others; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        // The single worker handles every other item while the poison item waits on the (frozen) clock.
        await processed.WaitAsync("the other items, with the clock stopped");
        processed.Items.Should().Equal(Enumerable.Range(0, others));
        Volatile.Read(ref poisonAttempts).Should().Be(1);
        queue.Count.Should().Be(1, "the poison item still waits for its retry");

        await Time.WaitForTimerAsync(backoff);
        Time.Advance(backoff);
        await Time.WaitForTimerAsync(backoff, count: 2);
        Time.Advance(backoff);
        await deadLettered.WaitAsync("the poison item's dead letter");

        Volatile.Read(ref poisonAttempts).Should().Be(3);
        var letter = DeadLetters.ToList().Should().ContainSingle().Subject;
        letter.Message.Should().Be(new Ping(0, -1));
        letter.Attempts.Should().Be(3);
        letter.Exception.Message.Should().Be("poison");
        letter.FirstFailedAt.Should().Be(start);
        letter.DeadLetteredAt.Should().Be(start + (2 * backoff));
        letter.Context.Should().NotBeNull();
        var stats = queue.GetStatistics();
        stats.Should().Be(new WorkQueueStatistics(Processed: others, FailedAttempts: 3, Retried: 2, DeadLettered: 1, Dropped: 0, Abandoned: 0));
    }

    [Fact]
    public async Task AtMostOnce_does_not_retry_a_failure_and_dead_letters_it()
    {
        var attempts = 0;
        var deadLettered = new Countdown(1);
        DeadLetters.Added += _ => deadLettered.Signal();
        var queue = Track(WorkQueue.Create<Ping>(_ =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("once");
        }, Options<Ping>(o => { o.Guarantee = DeliveryGuarantee.AtMostOnce; o.RetryPolicy = NoDelayRetries(5); })));

        await queue.EnqueueAsync(new Ping(0, 1));

        await deadLettered.WaitAsync("the dead letter");
        await queue.CompleteAsync();
        Volatile.Read(ref attempts).Should().Be(1, "at-most-once never calls the handler twice");
        DeadLetters.ToList().Should().ContainSingle().Which.Attempts.Should().Be(1);
        queue.GetStatistics().Should().Be(new WorkQueueStatistics(0, FailedAttempts: 1, Retried: 0, DeadLettered: 1, Dropped: 0, Abandoned: 0));
    }

    [Fact]
    public async Task AtMostOnce_drops_a_failure_when_dead_lettering_is_off_and_reports_it()
    {
        var attempts = 0;
        var queue = Track(WorkQueue.Create<Ping>(_ =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("once");
        }, Options<Ping>(o => { o.Guarantee = DeliveryGuarantee.AtMostOnce; o.DeadLetterFailedItems = false; })));

        await queue.EnqueueAsync(new Ping(0, 1));

        var result = await Wait.For(queue.CompleteAsync(), "the drain");
        Volatile.Read(ref attempts).Should().Be(1);
        DeadLetters.Count.Should().Be(0);
        Drops.Should().ContainSingle().Which.Reason.Should().Be(DropReason.HandlerFailed);
        Drops.Single().Event.Should().Be(new Ping(0, 1));
        result.Dropped.Should().Be(1);
        queue.GetStatistics().FailedAttempts.Should().Be(1);
    }

    [Fact]
    public async Task A_handler_running_past_its_timeout_is_cancelled_and_the_attempt_fails()
    {
        var timeout = TimeSpan.FromSeconds(5);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deadLettered = new Countdown(1);
        var later = new Recorder<int>(1);
        DeadLetters.Added += _ => deadLettered.Signal();
        var queue = Track(WorkQueue.Create<Ping>(async (ping, cancellationToken) =>
        {
            if (ping.Sequence == 1)
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            later.Record(ping.Sequence);
        }, Options<Ping>(o => { o.WorkerCount = 1; o.Timeout = timeout; o.RetryPolicy = RetryPolicy.None; })));

        await queue.EnqueueAsync(new Ping(0, 1));
        await Wait.For(started.Task, "the slow handler");
        Time.Advance(timeout);
        await deadLettered.WaitAsync("the timed-out item's dead letter");
        await queue.EnqueueAsync(new Ping(0, 2));
        await later.WaitAsync("the next item, with a fresh timeout");

        var letter = DeadLetters.ToList().Should().ContainSingle().Subject;
        letter.Exception.Should().BeOfType<TimeoutException>().Which.InnerException.Should().BeAssignableTo<OperationCanceledException>();
        later.Items.Should().Equal(2);
        queue.GetStatistics().FailedAttempts.Should().Be(1);
    }

    [Fact]
    public async Task Dead_letters_are_readable_and_can_be_redriven_into_the_queue()
    {
        var failing = 1;
        var processed = new Recorder<int>(3);
        var deadLettered = new Countdown(3);
        DeadLetters.Added += _ => deadLettered.Signal();
        var queue = Track(WorkQueue.Create<Ping>(ping =>
        {
            if (Volatile.Read(ref failing) == 1)
            {
                throw new InvalidOperationException("down");
            }

            processed.Record(ping.Sequence);
        }, Options<Ping>(o => { o.Name = "payments"; o.RetryPolicy = RetryPolicy.None; o.WorkerCount = 1; })));
        var foreign = new DeadLetter(new Ping(9, 9), typeof(Ping), null, "another-queue", new InvalidOperationException(), 1, default, default);
        await DeadLetters.WriteAsync(foreign, CancellationToken.None);

        for (var i = 0; i < 3; i++)
        {
            await queue.EnqueueAsync(new Ping(0, i));
        }

        await deadLettered.WaitAsync("three dead letters");
        queue.DeadLetters.Should().BeSameAs(DeadLetters);
        DeadLetters.ToList().Where(l => l.Source == "payments").Should().HaveCount(3);

        Volatile.Write(ref failing, 0);
        var redriven = await queue.RedriveDeadLettersAsync();

        redriven.Should().Be(3);
        await processed.WaitAsync("the re-driven items");
        processed.Items.Should().Equal(0, 1, 2);
        DeadLetters.ToList().Should().Equal(foreign);

        var fromElsewhere = await queue.RedriveAsync([foreign]);
        fromElsewhere.Should().Be(1);
        var wrongType = new DeadLetter("not a ping", typeof(string), null, "payments", new InvalidOperationException(), 1, default, default);
        var redriveWrong = async () => await queue.RedriveAsync([wrongType]);
        await redriveWrong.Should().ThrowAsync<ArgumentException>().WithParameterName("deadLetters");
        var result = await Wait.For(queue.CompleteAsync(), "the drain");
        result.Delivered.Should().Be(4);
    }

    [Fact]
    public async Task A_handler_enqueueing_into_its_own_full_capacity_1_queue_completes_or_fails_fast()
    {
        var processed = new Recorder<int>(3);
        Exception? refused = null;
        WorkQueue<Ping>? queue = null;
        queue = WorkQueue.Create<Ping>(async (ping, cancellationToken) =>
        {
            if (ping.Sequence == 0)
            {
                await queue!.EnqueueAsync(new Ping(0, 1), cancellationToken); // fits the buffer
                await queue.EnqueueAsync(new Ping(0, 2), cancellationToken);  // buffer full: joins the overflow, does not wait
                try
                {
                    await queue.EnqueueAsync(new Ping(0, 3), cancellationToken); // overflow full too: fails at once
                }
                catch (EventBusFullException ex)
                {
                    refused = ex;
                }

                queue.TryEnqueue(new Ping(0, 4)).Should().BeFalse("TryEnqueue never waits");
            }

            processed.Record(ping.Sequence);
        }, Options<Ping>(o => { o.Capacity = 1; o.OverflowCapacity = 1; o.WorkerCount = 1; }));
        Track(queue);

        await queue.EnqueueAsync(new Ping(0, 0));

        await processed.WaitAsync("the items that fitted");
        processed.Items.Should().Equal(0, 1, 2);
        refused.Should().BeOfType<EventBusFullException>().Which.Subscriptions.Should().Equal("Ping");
        Drops.Should().ContainSingle().Which.Reason.Should().Be(DropReason.Rejected);
        queue.GetStatistics().Dropped.Should().Be(1);
    }

    [Fact]
    public async Task Full_modes_apply_when_the_buffer_is_full_and_every_drop_is_counted_and_reported()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processed = new Recorder<int>(3);
        var queue = Track(WorkQueue.Create<Ping>(async (ping, _) =>
        {
            started.TrySetResult();
            await gate.Task;
            processed.Record(ping.Sequence);
        }, Options<Ping>(o => { o.Capacity = 2; o.WorkerCount = 1; o.FullMode = BufferFullMode.DropOldest; })));

        await queue.EnqueueAsync(new Ping(0, 0));
        await Wait.For(started.Task, "the first item in the handler");
        await queue.EnqueueAsync(new Ping(0, 1));
        await queue.EnqueueAsync(new Ping(0, 2));
        await queue.EnqueueAsync(new Ping(0, 3)); // drops 1, the oldest buffered
        queue.TryEnqueue(new Ping(0, 4)).Should().BeTrue("a drop mode always takes the item"); // drops 2

        gate.SetResult();
        await processed.WaitAsync();
        processed.Items.Should().Equal(0, 3, 4);
        Drops.Select(d => (((Ping)d.Event!).Sequence, d.Reason)).Should().Equal((1, DropReason.DroppedOldest), (2, DropReason.DroppedOldest));
        (await queue.CompleteAsync()).Dropped.Should().Be(2);
    }

    [Fact]
    public async Task Fail_mode_throws_EventBusFullException_and_Wait_mode_TryEnqueue_returns_false()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new Countdown(2);
        var failing = Track(WorkQueue.Create<Ping>(async (_, _) => { started.Signal(); await gate.Task; },
            Options<Ping>(o => { o.Name = "strict"; o.Capacity = 1; o.WorkerCount = 1; o.FullMode = BufferFullMode.Fail; })));
        var waiting = Track(WorkQueue.Create<Ping>(async (_, _) => { started.Signal(); await gate.Task; },
            Options<Ping>(o => { o.Name = "patient"; o.Capacity = 1; o.WorkerCount = 1; })));

        await failing.EnqueueAsync(new Ping(0, 0));
        await waiting.EnqueueAsync(new Ping(0, 0));
        await started.WaitAsync("both handlers busy");
        await failing.EnqueueAsync(new Ping(0, 1));
        await waiting.EnqueueAsync(new Ping(0, 1));

        var overflow = async () => await failing.EnqueueAsync(new Ping(0, 2));
        (await overflow.Should().ThrowAsync<EventBusFullException>()).Which.Subscriptions.Should().Equal("strict");
        failing.TryEnqueue(new Ping(0, 3)).Should().BeFalse();
        waiting.TryEnqueue(new Ping(0, 2)).Should().BeFalse();
        Drops.Should().ContainSingle().Which.Reason.Should().Be(DropReason.Rejected, "only the throwing enqueue lost an item; TryEnqueue left it with the caller");
        failing.GetStatistics().Dropped.Should().Be(1);
        waiting.GetStatistics().Dropped.Should().Be(0);
        failing.Count.Should().Be(1);
        failing.InFlight.Should().Be(1);
        gate.SetResult();
    }

    [Fact]
    public async Task Enqueue_after_completion_or_disposal_throws_ObjectDisposedException()
    {
        var completed = WorkQueue.Create<Ping>(_ => { }, Options<Ping>());
        await completed.CompleteAsync();
        var enqueue = async () => await completed.EnqueueAsync(new Ping(0, 1));
        await enqueue.Should().ThrowAsync<ObjectDisposedException>().WithMessage("*completed*");
        completed.TryEnqueue(new Ping(0, 1)).Should().BeFalse("like ChannelWriter.TryWrite, TryEnqueue says no once the queue no longer accepts");
        completed.EnqueueAsync(new Ping(0, 1)).AsTask().IsFaulted.Should().BeTrue("an operational failure faults the returned task instead of throwing");

        var disposed = WorkQueue.Create<Ping>(_ => { }, Options<Ping>());
        disposed.Dispose();
        disposed.Dispose();
        var afterDispose = async () => await disposed.EnqueueAsync(new Ping(0, 1));
        await afterDispose.Should().ThrowAsync<ObjectDisposedException>().WithMessage("*disposed*");
        await disposed.DisposeAsync();
    }

    [Fact]
    public async Task Logs_use_stable_event_ids_and_never_the_payload()
    {
        var logs = new CollectingLoggerFactory();
        var deadLettered = new Countdown(1);
        DeadLetters.Added += _ => deadLettered.Signal();
        var queue = Track(WorkQueue.Create<Secret>(_ => throw new InvalidOperationException("handler failed"), Options<Secret>(o =>
        {
            o.Name = "vault";
            o.RetryPolicy = NoDelayRetries(1);
            o.Shared.LoggerFactory = logs;
        })));
        await queue.EnqueueAsync(new Secret("hunter2"));
        await deadLettered.WaitAsync("the dead letter");
        await Wait.For(queue.CompleteAsync(), "the drain");

        logs.Entries.Should().Contain(e => e.EventId.Id == 1101 && e.Message.Contains("vault"));
        logs.Entries.Should().Contain(e => e.EventId.Id == 1001 && e.Message.Contains("vault"));
        logs.Entries.Should().Contain(e => e.EventId.Id == 1002);
        logs.Entries.Should().Contain(e => e.EventId.Id == 1007 && e.Message.Contains("vault"));
        logs.Entries.Should().NotContain(e => e.Message.Contains("hunter2"));
    }
}
