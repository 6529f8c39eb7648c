using System.Collections.Concurrent;
using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.Sqlite.Tests.Queue;

/// <summary>The durable queue within one run: handlers, contexts, retries and dead letters in the file, backpressure,
/// statistics and bad input. Time runs on the fake clock.</summary>
public sealed class DurableQueueTests : IDisposable
{
    private static readonly TimeSpan s_retryDelay = TimeSpan.FromSeconds(5);
    private readonly TempDatabase _db = new();

    public enum HandlerShape
    {
        Sync,
        SyncWithContext,
        Async,
        AsyncWithContext,
    }

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task An_enqueue_returns_once_its_row_is_committed_and_the_handler_sees_the_row_s_message_id()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var queue = SqliteWorkQueue.Create<int>(
            async (item, context, _) =>
            {
                seen.TrySetResult(context);
                await gate.Task;
            },
            _db.Ints(),
            _db.QueueOptions<int>());

        await queue.EnqueueAsync(42);
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(1, "the row was committed before the enqueue returned");
        var context = await Wait.For(seen.Task, "the handler");

        // Read while the handler holds the item: once it returns, the row is acknowledged and deleted.
        var rowId = MessageIdOfOnlyRow();
        gate.SetResult();

        context.Id.ToString("D").Should().Be(rowId, "the context's id is the row's message id");
        context.Timestamp.Should().Be(_db.Time.GetUtcNow(), "the enqueue time, on the queue's clock");
        context.EventType.Should().Be<int>();
        context.DeliveryAttempt.Should().Be(1);
        context.Redelivered.Should().BeFalse();
        (await queue.CompleteAsync()).Delivered.Should().Be(1);
    }

    [Theory]
    [InlineData(HandlerShape.Sync)]
    [InlineData(HandlerShape.SyncWithContext)]
    [InlineData(HandlerShape.Async)]
    [InlineData(HandlerShape.AsyncWithContext)]
    public async Task Every_kind_of_handler_processes_every_item_once_and_the_file_empties(HandlerShape shape)
    {
        const int Count = 50;
        var handled = new ConcurrentDictionary<int, int>();
        var all = new Countdown(Count);
        void Record(int item)
        {
            handled.AddOrUpdate(item, 1, static (_, n) => n + 1);
            all.Signal();
        }

        var persistence = _db.Ints();
        var options = _db.QueueOptions<int>(workers: 3);
        var queue = shape switch
        {
            HandlerShape.Sync => SqliteWorkQueue.Create<int>(Record, persistence, options),
            HandlerShape.SyncWithContext => SqliteWorkQueue.Create<int>((item, _) => Record(item), persistence, options),
            HandlerShape.Async => SqliteWorkQueue.Create<int>(
                async (item, _) =>
                {
                    await Task.Yield();
                    Record(item);
                },
                persistence,
                options),
            _ => SqliteWorkQueue.Create<int>(
                async (item, _, _) =>
                {
                    await Task.Yield();
                    Record(item);
                },
                persistence,
                options),
        };

        await using (queue)
        {
            for (var i = 0; i < Count; i++)
            {
                await queue.EnqueueAsync(i);
            }

            await all.WaitAsync("every item");
            var result = await queue.CompleteAsync();
            result.Completed.Should().BeTrue();
            Outcomes.Of(result).ShouldBalance(Count);
            queue.GetStatistics().Processed.Should().Be(Count);
        }

        handled.Keys.Should().BeEquivalentTo(Enumerable.Range(0, Count));
        handled.Values.Should().OnlyContain(n => n == 1);
        _db.IntRows().Should().BeEmpty("each row was deleted once its handler succeeded");
    }

    [Fact]
    public async Task A_failed_attempt_is_stored_with_its_due_time_and_retried_on_the_queue_s_clock_with_the_same_id()
    {
        var contexts = new ConcurrentQueue<EventContext>();
        var succeeded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Disposed with a halt: should an assertion fail, a drain would wait for a retry on a clock nobody moves.
        using var queue = SqliteWorkQueue.Create<int>(
            (item, context) =>
            {
                contexts.Enqueue(context);
                if (context.DeliveryAttempt == 1)
                {
                    throw new TimeoutException("the first attempt fails");
                }

                succeeded.TrySetResult();
            },
            _db.Ints(),
            _db.QueueOptions<int>(retry: Retry(maxRetries: 2)));

        var failedAt = _db.Time.GetUtcNow();
        await queue.EnqueueAsync(7);
        await _db.Time.WaitForTimerAsync(s_retryDelay);
        await Wait.Until(() => queue.Store.GetStatistics().FailedAttempts == 1, "the failed attempt to be committed");

        _db.Scalar("SELECT attempts FROM eventbus_items").Should().Be(1);
        _db.Scalar("SELECT due_at FROM eventbus_items").Should().Be(Timestamps.ToStored(failedAt + s_retryDelay), "the due time is stored");
        _db.Scalar("SELECT leased FROM eventbus_items").Should().Be(1, "the engine's timer holds the item: its lease is kept");
        _db.Scalar("SELECT last_error_type = 'System.TimeoutException' FROM eventbus_items").Should().Be(1);
        queue.Count.Should().Be(1, "the item waits for its retry");

        _db.Time.Advance(s_retryDelay);
        await Wait.For(succeeded.Task, "the retry, once its backoff passed on the fake clock");
        (await queue.CompleteAsync()).Delivered.Should().Be(1);

        contexts.Select(c => c.DeliveryAttempt).Should().Equal(1, 2);
        contexts.Select(c => c.Id).Distinct().Should().ContainSingle("the id stays the same across attempts");
        var statistics = queue.GetStatistics();
        statistics.FailedAttempts.Should().Be(1);
        statistics.Retried.Should().Be(1);
    }

    [Fact]
    public async Task An_item_that_fails_every_attempt_moves_to_the_dead_letter_table_with_its_exception_and_attempts()
    {
        using var queue = SqliteWorkQueue.Create<int>(
            item => throw new InvalidOperationException($"item {item} is poison"),
            _db.Ints(),
            _db.QueueOptions<int>(retry: Retry(maxRetries: 1)));

        await queue.EnqueueAsync(13);
        await _db.Time.WaitForTimerAsync(s_retryDelay);
        _db.Time.Advance(s_retryDelay);
        await Wait.Until(() => queue.GetStatistics().DeadLettered == 1, "the item to be dead-lettered after its retry");
        await Wait.Until(() => queue.Store.GetStatistics().DeadLettered == 1, "the dead letter's commit");

        var letter = (await queue.ReadDeadLettersAsync()).Should().ContainSingle().Subject;
        letter.Payload.Should().Be("13");
        letter.Reason.Should().Be(SqliteDeadLetterReasons.HandlerFailed);
        letter.Attempts.Should().Be(2);
        letter.ExceptionType.Should().Be("System.InvalidOperationException");
        letter.ExceptionMessage.Should().Be("item 13 is poison");
        letter.MessageId.ToString("D").Should().Be(MessageIdOfOnlyDeadLetter());
        _db.IntRows().Should().BeEmpty("the row moved to the dead letters");
        queue.GetStatistics().ShouldBalance(1);
    }

    [Fact]
    public async Task Redriven_dead_letters_are_handled_again_with_their_message_id_and_a_fresh_budget()
    {
        var poisoned = true;
        var contexts = new ConcurrentQueue<EventContext>();
        var handledAfterFix = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var queue = SqliteWorkQueue.Create<int>(
            (_, context) =>
            {
                contexts.Enqueue(context);
                if (Volatile.Read(ref poisoned))
                {
                    throw new InvalidOperationException("not yet");
                }

                handledAfterFix.TrySetResult();
            },
            _db.Ints(),
            _db.QueueOptions<int>());

        await queue.EnqueueAsync(5);
        await Wait.Until(() => queue.Store.GetStatistics().DeadLettered == 1, "the dead letter's commit");
        var letter = (await queue.ReadDeadLettersAsync()).Single();

        Volatile.Write(ref poisoned, false);
        (await queue.RedriveDeadLettersAsync([letter.Id, 12345])).Should().Be(1, "an unknown id is skipped");
        await Wait.For(handledAfterFix.Task, "the re-driven item");
        (await queue.RedriveDeadLettersAsync()).Should().Be(0, "nothing is left to re-drive");
        (await queue.CompleteAsync()).Delivered.Should().Be(1);

        contexts.Select(c => c.Id).Distinct().Should().ContainSingle().Which.Should().Be(letter.MessageId);
        contexts.Select(c => c.DeliveryAttempt).Should().Equal([1, 1], "a re-driven item starts a fresh retry budget");
        (await queue.ReadDeadLettersAsync()).Should().BeEmpty();
        _db.IntRows().Should().BeEmpty();
    }

    [Fact]
    public async Task Without_dead_lettering_an_item_that_failed_for_good_is_dropped_and_its_row_deleted()
    {
        var drops = new ConcurrentQueue<DroppedEvent>();
        var options = _db.QueueOptions<int>(shared: o => o.OnDropped = drops.Enqueue);
        options.DeadLetterFailedItems = false;
        await using var queue = SqliteWorkQueue.Create<int>(_ => throw new InvalidOperationException("fails"), _db.Ints(), options);

        await queue.EnqueueAsync(1);
        await Wait.Until(() => queue.GetStatistics().Dropped == 1, "the drop");
        await queue.DisposeAsync();

        drops.Should().ContainSingle().Which.Reason.Should().Be(DropReason.HandlerFailed);
        _db.IntRows().Should().BeEmpty("the queue was told not to keep failures");
        _db.Scalar("SELECT COUNT(*) FROM eventbus_dead_letters").Should().Be(0);
    }

    [Fact]
    public async Task The_feeder_leases_no_more_than_the_buffer_and_the_workers_hold()
    {
        const int Capacity = 4;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new Countdown(40);
        await using var queue = SqliteWorkQueue.Create<int>(
            async (_, _) =>
            {
                await gate.Task;
                handled.Signal();
            },
            _db.Ints(),
            _db.QueueOptions<int>(workers: 2, capacity: Capacity));

        for (var i = 0; i < 40; i++)
        {
            await queue.EnqueueAsync(i);
        }

        await Wait.Until(() => queue.InFlight == 2 && queue.Count == Capacity, "the workers busy and the buffer full");
        queue.Store.LeasedCount.Should().Be(Capacity + 2, "the buffer plus the workers: the rest waits in the file");
        (await queue.Store.CountAsync()).Ready.Should().Be(40 - Capacity - 2);

        gate.SetResult();
        await handled.WaitAsync("every item, fed as workers freed the buffer");
        (await queue.CompleteAsync()).Delivered.Should().Be(40);
        queue.Store.GetStatistics().Claimed.Should().Be(40, "each row was handed out once");
    }

    [Fact]
    public async Task An_enqueue_from_inside_a_handler_does_not_wait_for_the_workers()
    {
        var chained = new Countdown(10);
        SqliteWorkQueue<int>? self = null;
        await using var queue = SqliteWorkQueue.Create<int>(
            async (item, cancellationToken) =>
            {
                chained.Signal();
                if (item < 9)
                {
                    // One worker and a one-item buffer: an enqueue that waited for buffer space would wait for itself.
                    await self!.EnqueueAsync(item + 1, cancellationToken);
                }
            },
            _db.Ints(),
            _db.QueueOptions<int>(workers: 1, capacity: 1));
        self = queue;

        await queue.EnqueueAsync(0);
        await chained.WaitAsync("a chain of enqueues made from handlers");
        (await queue.CompleteAsync()).Delivered.Should().Be(10);
    }

    [Fact]
    public async Task After_a_stop_enqueues_and_redrives_fault_with_ObjectDisposedException_and_TryEnqueue_throws_it()
    {
        var queue = SqliteWorkQueue.Create<int>(_ => { }, _db.Ints(), _db.QueueOptions<int>());
        queue.TryEnqueue(1).Should().BeFalse("a durable enqueue must wait for its commit: the caller keeps the item");
        await queue.CompleteAsync();

        var enqueue = queue.EnqueueAsync(1).AsTask();
        enqueue.IsFaulted.Should().BeTrue("an operational failure is reported through the returned task");
        await enqueue.Invoking(t => t).Should().ThrowAsync<ObjectDisposedException>().WithMessage("*has been completed*");
        await queue.Invoking(q => q.RedriveDeadLettersAsync().AsTask()).Should().ThrowAsync<ObjectDisposedException>();
        queue.Invoking(q => q.TryEnqueue(1)).Should().Throw<ObjectDisposedException>();

        await queue.DisposeAsync();
        await queue.Invoking(q => q.EnqueueAsync(1).AsTask()).Should().ThrowAsync<ObjectDisposedException>().WithMessage("*has been disposed*");
        await queue.Invoking(q => q.ReadDeadLettersAsync().AsTask()).Should().ThrowAsync<ObjectDisposedException>();
        await queue.DisposeAsync();
        queue.Dispose();
    }

    [Fact]
    public async Task Bad_arguments_are_refused_at_the_call()
    {
        await using var queue = SqliteWorkQueue.Create<string>(_ => { }, new SqliteQueueOptions<string>(TestJson.Default.String) { Storage = _db.Options() });

        queue.Invoking(q => q.EnqueueAsync(null!)).Should().Throw<ArgumentNullException>();
        queue.Invoking(q => q.EnqueueAsync(null!, transaction: null!)).Should().Throw<ArgumentNullException>();
        queue.Invoking(q => q.TryEnqueue(null!)).Should().Throw<ArgumentNullException>();
        await queue.Invoking(q => q.ReadDeadLettersAsync(0).AsTask()).Should().ThrowAsync<ArgumentOutOfRangeException>();
        queue.Invoking(q => q.RedriveDeadLettersAsync(null!)).Should().Throw<ArgumentNullException>();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await queue.Invoking(q => q.EnqueueAsync("x", cancelled.Token).AsTask()).Should().ThrowAsync<OperationCanceledException>();
        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0, "a cancelled enqueue stores nothing");
    }

    [Fact]
    public void Creating_a_queue_checks_its_arguments_and_settings()
    {
        var persistence = _db.Ints();
        FluentActions.Invoking(() => SqliteWorkQueue.Create<int>((Action<int>)null!, persistence)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => SqliteWorkQueue.Create<int>(_ => { }, null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new SqliteQueueOptions<int>(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new SqliteQueueOptions<int>(TestJson.Default.Int32) { Storage = null! }).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new SqliteQueueOptions<int>(TestJson.Default.Int32) { SchemaVersion = 0 }).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new SqliteQueueOptions<int>(TestJson.Default.Int32).PartitionBy(null!)).Should().Throw<ArgumentNullException>();

        FluentActions.Invoking(() => SqliteWorkQueue.Create<int>(_ => { }, new SqliteQueueOptions<int>(TestJson.Default.Int32)))
            .Should().Throw<ArgumentException>().WithMessage("SqliteStorageOptions.Path must be set*");
        FluentActions.Invoking(() => SqliteWorkQueue.Create<int>(_ => { }, persistence, new WorkQueueOptions<int> { FullMode = BufferFullMode.DropOldest }))
            .Should().Throw<ArgumentException>().WithMessage("A durable work queue cannot use FullMode DropOldest*");
        FluentActions.Invoking(() => SqliteWorkQueue.Create<int>(_ => { }, persistence, new WorkQueueOptions<int> { Guarantee = DeliveryGuarantee.AtMostOnce }))
            .Should().Throw<ArgumentException>().WithMessage("A durable work queue delivers at least once*");
        FluentActions.Invoking(() => SqliteWorkQueue.Create<int>(_ => { }, persistence, new WorkQueueOptions<int>().PartitionBy(i => i % 2)))
            .Should().Throw<ArgumentException>().WithMessage("*SqliteQueueOptions<T>.PartitionBy*");

        var missing = new SqliteQueueOptions<int>(TestJson.Default.Int32) { Storage = { Path = Path.Combine(_db.Directory, "no-such-dir", "q.db") } };
        FluentActions.Invoking(() => SqliteWorkQueue.Create<int>(_ => { }, missing))
            .Should().Throw<DirectoryNotFoundException>().WithMessage("*does not exist*");
    }

    [Fact]
    public async Task Queues_of_one_process_share_a_file_given_the_same_settings_and_refuse_a_second_owner_or_other_settings()
    {
        var jobs = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var mail = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = SqliteWorkQueue.Create<int>(item => jobs.TrySetResult(item), _db.Ints(), _db.QueueOptions<int>());
        var second = SqliteWorkQueue.Create<string>(
            item => mail.TrySetResult(item),
            new SqliteQueueOptions<string>(TestJson.Default.String) { Storage = _db.Options() },
            new WorkQueueOptions<string> { Name = "mail", Shared = new EventBusOptions { TimeProvider = _db.Time } });

        first.DatabasePath.Should().Be(second.DatabasePath);
        await first.EnqueueAsync(1);
        await second.EnqueueAsync("hello");
        (await Wait.For(jobs.Task, "the jobs queue")).Should().Be(1);
        (await Wait.For(mail.Task, "the mail queue")).Should().Be("hello");

        FluentActions.Invoking(() => SqliteWorkQueue.Create<int>(_ => { }, _db.Ints(), _db.QueueOptions<int>()))
            .Should().Throw<InvalidOperationException>().WithMessage("Queue 'jobs' is already open*");
        FluentActions.Invoking(() => SqliteWorkQueue.Create<int>(_ => { }, _db.Ints(o => o.Synchronous = SqliteSynchronousMode.Normal), Named("other")))
            .Should().Throw<InvalidOperationException>().WithMessage("*already open in this process with other settings*");
        FluentActions.Invoking(() => _db.Open()).Should().Throw<IOException>().WithMessage("*already owned by another store*", "the process still owns the file once");

        await first.DisposeAsync();
        await second.EnqueueAsync("still open");
        await second.DisposeAsync();

        using var reopened = _db.Open();
        reopened.Path.Should().Be(first.DatabasePath, "the last queue of the file closed it");
    }

    private WorkQueueOptions<int> Named(string name)
    {
        var options = _db.QueueOptions<int>();
        options.Name = name;
        return options;
    }

    private static RetryPolicy Retry(int maxRetries) =>
        new() { MaxRetries = maxRetries, BaseDelay = s_retryDelay, Backoff = BackoffKind.Fixed, Jitter = 0 };

    private string MessageIdOfOnlyRow()
    {
        using var connection = _db.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT message_id FROM eventbus_items";
        return (string)command.ExecuteScalar()!;
    }

    private string MessageIdOfOnlyDeadLetter()
    {
        using var connection = _db.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT message_id FROM eventbus_dead_letters";
        return (string)command.ExecuteScalar()!;
    }
}
