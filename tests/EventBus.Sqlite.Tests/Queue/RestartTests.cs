using System.Collections.Concurrent;
using EventBus.Sqlite.CrashPeer;
using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.Crash;
using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.Sqlite.Tests.Queue;

/// <summary>What a durable queue finds when it starts again on a file: retries still waiting for their due time, dead
/// letters to re-drive, and each key's order kept across the restart.</summary>
public sealed class RestartTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_retry_waiting_when_the_process_was_killed_still_waits_after_the_restart_and_runs_when_due()
    {
        var delay = TimeSpan.FromHours(1);
        using (var peer = PeerProcess.Start("retry", _db.Path, delay.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            (await peer.ReadLineAsync()).Should().Be("READY 0 0", await peer.DescribeAsync());
            (await peer.ReadLineAsync()).Should().Be("SCHEDULED 1", "the first attempt failed and its retry was committed: " + await peer.DescribeAsync());
            peer.Kill();
            await peer.WaitForExitAsync();
        }

        _db.Scalar("SELECT leased FROM eventbus_items").Should().Be(1, "the killed peer's timer held the retry: its row was leased");

        // The restart runs on a fake clock that starts at the real time, when the peer's retry is still an hour away.
        var time = new TestTimeProvider(DateTimeOffset.UtcNow);
        var attempts = new ConcurrentQueue<EventContext>();
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var persistence = CrashPlan.Persistence(_db.Path);
        using var queue = SqliteWorkQueue.Create<CrashItem>(
            (_, context) =>
            {
                attempts.Enqueue(context);
                handled.TrySetResult();
            },
            persistence,
            CrashPlan.Options(time));

        queue.Store.Recovered.Should().Be(new RecoveredRows(InFlight: 1, Redelivered: 0), "a retry not yet due had no handler: it is not a redelivery");
        await time.WaitForTimerAsync(persistence.Storage.PollInterval);
        attempts.Should().BeEmpty("the feeder looked, and the retry is not due yet");
        var counts = await queue.Store.CountAsync();
        counts.Should().Be(new DurableQueueCounts(Ready: 0, Waiting: 1, Leased: 0, DeadLetters: 0));

        time.Advance(delay);
        await Wait.For(handled.Task, "the retry, once its stored due time passed on the restarted queue's clock");
        var context = attempts.Should().ContainSingle().Subject;
        context.DeliveryAttempt.Should().Be(2, "the failed attempt of the killed run counts");
        context.Redelivered.Should().BeFalse();
    }

    [Fact]
    public async Task A_retry_waiting_at_a_stop_keeps_its_due_time_and_attempt_across_the_restart()
    {
        var delay = TimeSpan.FromSeconds(8);
        var retry = new RetryPolicy { MaxRetries = 3, BaseDelay = delay, Backoff = BackoffKind.Fixed, Jitter = 0 };
        var first = SqliteWorkQueue.Create<int>(
            (Action<int>)(_ => throw new TimeoutException("the first attempt fails")), _db.Ints(), _db.QueueOptions<int>(retry: retry));
        await first.EnqueueAsync(1);
        await _db.Time.WaitForTimerAsync(delay);
        await Wait.Until(() => first.Store.GetStatistics().FailedAttempts == 1, "the failed attempt's commit");
        first.Dispose();
        first.GetStatistics().Abandoned.Should().Be(1, "the stop gave up the retry the engine's timer held");

        _db.Time.Advance(delay / 2);
        var poll = _db.Options().PollInterval;
        var pollsBefore = _db.Time.CreatedTimers.Count(t => t == poll);
        var contexts = new ConcurrentQueue<EventContext>();
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var second = SqliteWorkQueue.Create<int>(
            (_, context) =>
            {
                contexts.Enqueue(context);
                handled.TrySetResult();
            },
            _db.Ints(),
            _db.QueueOptions<int>(retry: retry));

        second.Store.Recovered.Should().Be(new RecoveredRows(InFlight: 1, Redelivered: 0));
        await _db.Time.WaitForTimerAsync(poll, pollsBefore + 1);
        contexts.Should().BeEmpty("the restarted feeder looked, and half of the backoff is left");
        (await second.Store.CountAsync()).Waiting.Should().Be(1);

        _db.Time.Advance(delay / 2);
        await Wait.For(handled.Task, "the retry at its stored due time");
        contexts.Single().DeliveryAttempt.Should().Be(2);
        contexts.Single().Redelivered.Should().BeFalse();
    }

    [Fact]
    public async Task Dead_letters_of_an_earlier_run_are_redriven_after_the_restart_with_their_message_id()
    {
        Guid failedId = default;
        await using (var first = SqliteWorkQueue.Create<int>(
            (_, context) =>
            {
                failedId = context.Id;
                throw new InvalidOperationException("a bug in this release");
            },
            _db.Ints(),
            _db.QueueOptions<int>()))
        {
            await first.EnqueueAsync(99);
            await Wait.Until(() => first.Store.GetStatistics().DeadLettered == 1, "the dead letter's commit");
        }

        var handled = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var fixedRelease = SqliteWorkQueue.Create<int>(
            (_, context) => handled.TrySetResult(context),
            _db.Ints(),
            _db.QueueOptions<int>());
        var letter = (await fixedRelease.ReadDeadLettersAsync()).Should().ContainSingle().Subject;
        letter.ExceptionMessage.Should().Be("a bug in this release");
        letter.MessageId.Should().Be(failedId);

        (await fixedRelease.RedriveDeadLettersAsync()).Should().Be(1);
        var context = await Wait.For(handled.Task, "the re-driven item on the fixed release");
        context.Id.Should().Be(failedId, "the message id is kept through the re-drive");
        context.DeliveryAttempt.Should().Be(1, "with a fresh retry budget");
        (await fixedRelease.CompleteAsync()).Delivered.Should().Be(1);
        (await fixedRelease.ReadDeadLettersAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Each_key_keeps_its_order_across_a_restart_with_the_item_in_flight_first_and_flagged()
    {
        const int Count = 30;
        const int Held = 4;
        var persistence = _db.Ints().PartitionBy(static item => $"k{item % 3}");
        var firstRun = new ConcurrentQueue<int>();
        var othersDone = new Countdown(Enumerable.Range(0, Count).Count(i => i % 3 != 1) + 2);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = SqliteWorkQueue.Create<int>(
            async (item, _) =>
            {
                firstRun.Enqueue(item);
                othersDone.Signal();
                if (item == Held)
                {
                    // Ignores its token: still running when the queue stops.
                    await release.Task;
                }
            },
            persistence,
            _db.QueueOptions<int>(workers: 3));
        for (var i = 0; i < Count; i++)
        {
            await first.EnqueueAsync(i);
        }

        await othersDone.WaitAsync("keys k0 and k2, and k1 up to the held item");
        firstRun.Where(i => i % 3 == 1).Should().Equal([1, Held], "no later item of k1 is handed out while the held one is in flight");
        first.Dispose();
        release.SetResult();

        var secondRun = new ConcurrentQueue<(int Item, bool Redelivered)>();
        var rest = Enumerable.Range(0, Count).Where(i => i % 3 == 1 && i >= Held).ToArray();
        var all = new Countdown(rest.Length);
        await using (var second = SqliteWorkQueue.Create<int>(
            (item, context) =>
            {
                secondRun.Enqueue((item, context.Redelivered));
                all.Signal();
            },
            persistence,
            _db.QueueOptions<int>(workers: 3)))
        {
            await all.WaitAsync("the rest of k1 after the restart");
        }

        secondRun.Select(h => h.Item).Should().Equal(rest, "k1 resumes where it stopped, in enqueue order");
        secondRun.First().Redelivered.Should().BeTrue("the held item was in a handler when the process stopped");
        secondRun.Skip(1).Should().OnlyContain(h => !h.Redelivered);
        foreach (var key in firstRun.Where(i => i % 3 != 1).GroupBy(i => i % 3))
        {
            key.Should().BeInAscendingOrder($"key k{key.Key} is handled in enqueue order");
        }
    }
}
