using System.Collections.Concurrent;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.Reliability.Tests;

/// <summary>Scenarios 2, 15, 18 and the work-queue half of 20.</summary>
public sealed class WorkQueueReliabilityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Scenario02_each_item_goes_to_exactly_one_worker(int workers)
    {
        const int producers = 4;
        const int perProducer = 25_000;
        var handled = new ConcurrentDictionary<int, int>();
        var byWorkerThread = new ConcurrentDictionary<int, int>();
        var done = new Countdown(producers * perProducer);
        await using var queue = WorkQueue.Create<int>(id =>
        {
            handled.AddOrUpdate(id, 1, (_, n) => n + 1);
            byWorkerThread.AddOrUpdate(Environment.CurrentManagedThreadId, 1, (_, n) => n + 1);
            done.Signal();
        }, new WorkQueueOptions<int> { WorkerCount = workers, Capacity = 64 });

        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                await queue.EnqueueAsync(p * perProducer + i);
            }
        })));

        await done.WaitAsync("every item");
        var result = await queue.CompleteAsync();
        handled.Keys.Order().Should().Equal(Enumerable.Range(0, producers * perProducer), "the union of handled ids is the enqueued ids");
        handled.Values.Should().OnlyContain(n => n == 1, "no id is handled twice");
        result.Delivered.Should().Be(producers * perProducer);
        output.WriteLine($"scenario 2 ({workers} workers): {producers} producers x {perProducer} items, each handled once; {byWorkerThread.Count} threads took part");
    }

    [Fact]
    public async Task Scenario15_a_poison_item_does_not_stall_the_rest_of_the_queue()
    {
        var time = new TestTimeProvider();
        var healthy = new Countdown(500);
        var poisonAttempts = 0;
        var sink = new DeadLetterQueue();
        var deadLettered = new TaskCompletionSource<DeadLetter>(TaskCreationOptions.RunContinuationsAsynchronously);
        sink.Added += letter => deadLettered.TrySetResult(letter);
        await using var queue = WorkQueue.Create<int>(id =>
        {
            if (id == 0)
            {
                Interlocked.Increment(ref poisonAttempts);
                throw new InvalidOperationException("poison");
            }

            healthy.Signal();
        }, new WorkQueueOptions<int>
        {
            WorkerCount = 1,
            RetryPolicy = new RetryPolicy { MaxRetries = 3, BaseDelay = TimeSpan.FromMinutes(1), MaxDelay = TimeSpan.FromMinutes(1), Jitter = 0 },
            Shared = new EventBusOptions { TimeProvider = time, DeadLetterSink = sink },
        });

        await queue.EnqueueAsync(0);
        for (var i = 1; i <= 500; i++)
        {
            await queue.EnqueueAsync(i);
        }

        // With one worker and the clock stopped, the poison item waits for its backoff off the worker.
        await healthy.WaitAsync("the 500 healthy items while the poison item waits for its retry");
        Volatile.Read(ref poisonAttempts).Should().Be(1);
        for (var retry = 1; retry <= 3; retry++)
        {
            await time.WaitForTimerAsync(TimeSpan.FromMinutes(1), count: retry);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        var letter = await Wait.For(deadLettered.Task, "the poison item's dead letter");
        letter.Attempts.Should().Be(4);
        output.WriteLine("scenario 15: 500 items handled by the single worker while a poison item waited out 3 one-minute backoffs (fake clock), then dead-lettered after 4 attempts");
    }

    [Fact]
    public async Task Scenario18_each_parallel_handler_call_gets_its_own_scope_which_is_disposed()
    {
        var scopes = new ConcurrentQueue<ScopeProbe>();
        var inside = new Countdown(8);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new Countdown(200);
        await using var provider = new ServiceCollection()
            .AddScoped<ScopeProbe>()
            .AddSingleton(new ProbeLog(scopes, inside, release, done))
            .AddEventBus()
                .AddHandler<Ping, ProbingHandler>(o => o.MaxConcurrency = 4)
                .AddWorkQueue<Tick, ProbingWorkHandler>(o => o.WorkerCount = 4).Services
            .BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();
        var queue = provider.GetRequiredService<IWorkQueue<Tick>>();

        for (var i = 0; i < 100; i++)
        {
            await bus.PublishAsync(new Ping(0, i));
            await queue.EnqueueAsync(new Tick(i));
        }

        await inside.WaitAsync("4 event handlers and 4 work handlers running at once");
        scopes.Where(p => !p.IsDisposed).Select(p => p.Id).Should().OnlyHaveUniqueItems("parallel calls never share a scope");
        release.SetResult();
        await done.WaitAsync("all 200 messages");
        await bus.CompleteAsync();
        await provider.GetRequiredService<WorkQueue<Tick>>().CompleteAsync();

        scopes.Should().HaveCount(200);
        scopes.Select(p => p.Id).Should().OnlyHaveUniqueItems("a scope per message");
        scopes.Should().OnlyContain(p => p.IsDisposed, "every scope is disposed after its message");
        output.WriteLine("scenario 18: 100 events (4 in parallel) and 100 work items (4 workers): 200 distinct scopes, all disposed");
    }

    [Fact]
    public void Scenario20_enqueue_try_enqueue_and_complete_are_linearizable()
    {
        Gen.Const(0).Select(_ => new QueueModel())
            .SampleParallel(
                [
                    Gen.Int[0, 999].Operation<QueueModel>(n => $"Enqueue({n})", (q, n) => q.Enqueue(n)),
                    Gen.Int[0, 999].Operation<QueueModel>(n => $"TryEnqueue({n})", (q, n) => q.TryEnqueue(n)),
                    Gen.Operation<QueueModel>("Complete", q => q.Complete()),
                ],
                equal: QueueModel.SameObservableState,
                iter: 300,
                print: q => q.ToString(),
                writeLine: output.WriteLine);
        output.WriteLine("scenario 20 (work queue): 300 parallel histories of enqueue, try-enqueue and complete");
    }

    public sealed class ScopeProbe : IDisposable
    {
        private static int s_next;

        public int Id { get; } = Interlocked.Increment(ref s_next);

        public bool IsDisposed { get; private set; }

        public void Dispose() => IsDisposed = true;
    }

    public sealed record ProbeLog(ConcurrentQueue<ScopeProbe> Scopes, Countdown Inside, TaskCompletionSource Release, Countdown Done);

    public sealed class ProbingHandler(ScopeProbe probe, ProbeLog log) : IEventHandler<Ping>
    {
        public async ValueTask HandleAsync(Ping @event, EventContext context, CancellationToken cancellationToken)
        {
            log.Scopes.Enqueue(probe);
            log.Inside.Signal();
            await log.Release.Task;
            log.Done.Signal();
        }
    }

    public sealed class ProbingWorkHandler(ScopeProbe probe, ProbeLog log) : IWorkItemHandler<Tick>
    {
        public async ValueTask HandleAsync(Tick item, EventContext context, CancellationToken cancellationToken)
        {
            log.Scopes.Enqueue(probe);
            log.Inside.Signal();
            await log.Release.Task;
            log.Done.Signal();
        }
    }

    /// <summary>A queue plus what an observer sees: which enqueues were accepted, refused or full, and what was handled.</summary>
    private sealed class QueueModel
    {
        private readonly ConcurrentBag<int> _handled = [];
        private readonly ConcurrentBag<int> _accepted = [];
        private readonly ConcurrentBag<int> _refused = [];
        private readonly WorkQueue<int> _queue;

        public QueueModel() => _queue = WorkQueue.Create<int>(_handled.Add, new WorkQueueOptions<int> { WorkerCount = 2 });

        public void Enqueue(int n)
        {
            try
            {
                _queue.EnqueueAsync(n).AsTask().GetAwaiter().GetResult();
                _accepted.Add(n);
            }
            catch (ObjectDisposedException)
            {
                _refused.Add(n);
            }
        }

        public void TryEnqueue(int n)
        {
            try
            {
                if (_queue.TryEnqueue(n))
                {
                    _accepted.Add(n);
                }
                else
                {
                    _refused.Add(n);
                }
            }
            catch (ObjectDisposedException)
            {
                _refused.Add(n);
            }
        }

        public void Complete() => _queue.CompleteAsync().AsTask().GetAwaiter().GetResult();

        public static bool SameObservableState(QueueModel a, QueueModel b)
        {
            a.Complete();
            b.Complete();
            return Same(a._accepted, b._accepted) && Same(a._refused, b._refused) && Same(a._handled, b._handled)
                && Same(a._handled, a._accepted);
        }

        public override string ToString() =>
            $"accepted [{string.Join(",", _accepted.Order())}] refused [{string.Join(",", _refused.Order())}] handled [{string.Join(",", _handled.Order())}]";

        private static bool Same(IEnumerable<int> x, IEnumerable<int> y) => x.Order().SequenceEqual(y.Order());
    }
}
