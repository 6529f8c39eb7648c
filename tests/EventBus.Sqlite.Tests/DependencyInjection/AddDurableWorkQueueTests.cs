using System.Collections.Concurrent;
using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.Sqlite.Tests.DependencyInjection;

/// <summary>
/// <c>AddWorkQueue&lt;T, THandler&gt;(persistence)</c>: the durable queue registered like an in-memory one, started by the
/// host, its items handled by a handler class in a scope each, drained (or, at the host's shutdown timeout, left in the
/// file for the next start) when the host stops.
/// </summary>
public sealed class AddDurableWorkQueueTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task The_queue_resolves_as_the_durable_queue_and_as_IWorkQueue_and_is_listed_before_it_exists()
    {
        var persistence = _db.Ints();
        await using var provider = new ServiceCollection()
            .AddSingleton(new JobLog(new ProbeHandler(HandlerKind.WellBehaved, static _ => false)))
            .AddEventBus().AddWorkQueue<int, JobHandler>(persistence, o => o.WorkerCount = 3).Services
            .BuildServiceProvider();

        var listed = provider.GetServices<IRegisteredWorkQueue>().Should().ContainSingle().Subject;
        listed.Name.Should().Be(nameof(Int32));
        listed.ItemType.Should().Be<int>();
        listed.IsCreated.Should().BeFalse("nothing resolved the queue yet, and reading the registration does not open the file");
        File.Exists(_db.Path).Should().BeFalse();

        var queue = provider.GetRequiredService<IWorkQueue<int>>();
        var durable = provider.GetRequiredService<SqliteWorkQueue<int>>();
        queue.Should().BeSameAs(durable);
        durable.Name.Should().Be(nameof(Int32));
        durable.WorkerCount.Should().Be(3, "the configure delegate ran on the queue's options");
        durable.DatabasePath.Should().Be(_db.Path);
        listed.IsCreated.Should().BeTrue();
        listed.Capacity.Should().Be(durable.Capacity);
        provider.GetService<WorkQueue<int>>().Should().BeNull("no in-memory queue was registered");
    }

    [Fact]
    public async Task The_host_starts_the_queue_and_each_item_is_handled_once_in_a_scope_of_its_own()
    {
        const int items = 20;
        var log = new JobLog(new ProbeHandler(HandlerKind.WellBehaved, static _ => false)) { Expected = new Countdown(items) };
        using (var host = Host(log, o => o.WorkerCount = 2))
        {
            await host.StartAsync();
            host.Services.GetServices<IRegisteredWorkQueue>().Single().IsCreated.Should().BeTrue("the host creates the queue when it starts");
            var queue = host.Services.GetRequiredService<IWorkQueue<int>>();
            for (var i = 0; i < items; i++)
            {
                await queue.EnqueueAsync(i);
            }

            await log.Expected.WaitAsync("every item");
            await Wait.For(host.StopAsync(), "the host to stop");
            host.Services.GetRequiredService<SqliteWorkQueue<int>>().GetStatistics().Processed.Should().Be(items);
        }

        log.Calls.Select(c => c.Item).Should().BeEquivalentTo(Enumerable.Range(0, items), "each item is handled exactly once");
        log.Calls.Select(c => c.Scope).Should().OnlyHaveUniqueItems("a scope per item");
        log.Calls.Should().OnlyContain(c => !c.Redelivered);
        _db.IntRows().Should().BeEmpty("an item leaves the file once its handler succeeded");
    }

    [Theory]
    [InlineData(HandlerKind.WellBehaved)]
    [InlineData(HandlerKind.IgnoresToken)]
    [InlineData(HandlerKind.ResumesInline)]
    public async Task At_the_host_shutdown_timeout_the_unfinished_items_stay_in_the_file_and_the_next_host_handles_them(HandlerKind kind)
    {
        const int items = 4;
        var held = new ProbeHandler(kind, static item => item == 0);
        var first = new JobLog(held);
        using (var host = Host(first, o => o.WorkerCount = 1))
        {
            await host.StartAsync();
            var queue = host.Services.GetRequiredService<SqliteWorkQueue<int>>();
            for (var i = 0; i < items; i++)
            {
                await queue.EnqueueAsync(i);
            }

            await Wait.For(held.HeldStarted, "the held handler to start");
            await Wait.Until(() => queue.Consumer.Accepted == items, "the feeder to offer every item to the engine");
            using var shutdownTimeout = new CancellationTokenSource();
            var stop = host.StopAsync(shutdownTimeout.Token);
            stop.IsCompleted.Should().BeFalse("the held handler keeps the drain open");
            await shutdownTimeout.CancelAsync();
            await Wait.For(stop, "the host to stop at its shutdown timeout");
            held.StopReturned();

            var outcomes = Outcomes.Of(queue.GetStatistics());
            outcomes.ShouldBalance(items);
            outcomes.Abandoned.Should().Be(items, "one worker: the held item was abandoned, the others never left the buffer");
            held.Release();
            await Wait.Until(() => held.Running == 0, "the held handler to return");
        }

        held.StartsAfterStop.Should().Be(0, "no handler call starts after the host stopped");
        _db.IntRows().Should().Equal([(0, true), (1, false), (2, false), (3, false)], "only the held item was handed to a handler");

        var second = new JobLog(new ProbeHandler(HandlerKind.WellBehaved, static _ => false)) { Expected = new Countdown(items) };
        using (var restarted = Host(second, o => o.WorkerCount = 1))
        {
            // Nothing resolves the queue here: the host alone creates it, and disposing the host must still close its file.
            await restarted.StartAsync();
            await second.Expected.WaitAsync("the items left in the file, after the restart");
            await Wait.For(restarted.StopAsync(), "the second host to stop");
        }

        // Opening succeeds only when no owner holds the file: the disposed host let go of it.
        _db.Open().Dispose();

        second.Calls.Select(c => (c.Item, c.Redelivered)).Should().BeEquivalentTo(
            [(0, true), (1, false), (2, false), (3, false)], "the item a handler had comes back flagged, the others do not");
        _db.IntRows().Should().BeEmpty("every redelivered item was acknowledged before the file closed");
    }

    [Fact]
    public void The_same_call_twice_adds_one_queue_and_a_different_one_for_the_same_type_fails()
    {
        var persistence = _db.Ints();
        var services = new ServiceCollection();
        var builder = services.AddEventBus().AddWorkQueue<int, JobHandler>(persistence).AddWorkQueue<int, JobHandler>(persistence);
        services.Count(d => d.ServiceType == typeof(IRegisteredWorkQueue)).Should().Be(1, "the same call made twice adds nothing");

        var otherFile = () => builder.AddWorkQueue<int, JobHandler>(_db.Ints());
        otherFile.Should().Throw<InvalidOperationException>().WithMessage("*Int32*already registered*name*");
        var inMemory = () => builder.AddWorkQueue<int, JobHandler>();
        inMemory.Should().Throw<InvalidOperationException>().WithMessage("*Int32*already registered*");

        builder.AddWorkQueue<int, JobHandler>("refunds", persistence);
        var sameName = () => builder.AddWorkQueue<int, OtherJobHandler>("refunds", persistence);
        sameName.Should().Throw<InvalidOperationException>().WithMessage("*named 'refunds'*");
        var inMemorySameName = () => builder.AddWorkQueue<int, JobHandler>("refunds");
        inMemorySameName.Should().Throw<InvalidOperationException>().WithMessage("*named 'refunds'*");
        services.Count(d => d.ServiceType == typeof(IRegisteredWorkQueue)).Should().Be(2);
    }

    [Fact]
    public async Task Named_durable_queues_of_one_item_type_share_a_file_as_keyed_services()
    {
        var persistence = _db.Ints();
        var log = new JobLog(new ProbeHandler(HandlerKind.WellBehaved, static _ => false)) { Expected = new Countdown(2) };
        await using var provider = new ServiceCollection()
            .AddSingleton(log)
            .AddEventBus()
                .AddWorkQueue<int, JobHandler>("charges", persistence)
                .AddWorkQueue<int, OtherJobHandler>("refunds", persistence).Services
            .BuildServiceProvider();

        var charges = provider.GetRequiredKeyedService<IWorkQueue<int>>("charges");
        var refunds = provider.GetRequiredKeyedService<IWorkQueue<int>>("refunds");
        await charges.EnqueueAsync(1);
        await refunds.EnqueueAsync(2);

        await log.Expected.WaitAsync("one item per queue");
        charges.Should().NotBeSameAs(refunds);
        charges.Name.Should().Be("charges");
        refunds.Name.Should().Be("refunds");
        log.Calls.Select(c => (c.Handler, c.Item)).Should().BeEquivalentTo([(nameof(JobHandler), 1), (nameof(OtherJobHandler), 2)]);
        provider.GetService<IWorkQueue<int>>().Should().BeNull("only named queues were registered");
        await provider.GetRequiredKeyedService<SqliteWorkQueue<int>>("charges").CompleteAsync();
        await provider.GetRequiredKeyedService<SqliteWorkQueue<int>>("refunds").CompleteAsync();
    }

    [Fact]
    public void Bad_arguments_fail_at_the_call_that_passed_them()
    {
        var builder = new ServiceCollection().AddEventBus();

        var noPersistence = () => builder.AddWorkQueue<int, JobHandler>((SqliteQueueOptions<int>)null!);
        noPersistence.Should().Throw<ArgumentNullException>().WithParameterName("persistence");
        var noPath = () => builder.AddWorkQueue<int, JobHandler>(new SqliteQueueOptions<int>(TestJson.Default.Int32));
        noPath.Should().Throw<ArgumentException>().WithParameterName("persistence").WithMessage("*Path*");
        var blankName = () => builder.AddWorkQueue<int, JobHandler>(" ", _db.Ints());
        blankName.Should().Throw<ArgumentException>().WithParameterName("name");
        var noBuilder = () => ((IEventBusBuilder)null!).AddWorkQueue<int, JobHandler>(_db.Ints());
        noBuilder.Should().Throw<ArgumentNullException>().WithParameterName("builder");
        builder.Services.Should().NotContain(d => d.ServiceType == typeof(IRegisteredWorkQueue), "no failed call registered anything");
    }

    [Fact]
    public async Task A_file_that_cannot_be_opened_fails_the_host_start_with_the_reason()
    {
        var persistence = new SqliteQueueOptions<int>(TestJson.Default.Int32)
        {
            Storage = { Path = Path.Combine(_db.Directory, "missing", "queue.db") },
        };
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(new JobLog(new ProbeHandler(HandlerKind.WellBehaved, static _ => false)))
                .AddEventBus().AddWorkQueue<int, JobHandler>(persistence))
            .Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<DirectoryNotFoundException>()).Which.Message.Should().Contain(Path.Combine(_db.Directory, "missing"));
    }

    private IHost Host(JobLog log, Action<WorkQueueOptions<int>> configure)
    {
        var persistence = _db.Ints();
        return new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(log)
                .AddEventBus().AddWorkQueue<int, JobHandler>(persistence, configure))
            .Build();
    }

    /// <summary>What the handler classes saw, shared by every scope; the probe decides which items are held.</summary>
    public sealed class JobLog(ProbeHandler probe)
    {
        private readonly ConcurrentQueue<(string Handler, int Item, bool Redelivered, Guid Scope)> _calls = new();

        public ProbeHandler Probe => probe;

        public Countdown? Expected { get; init; }

        public IReadOnlyList<(string Handler, int Item, bool Redelivered, Guid Scope)> Calls => [.. _calls];

        public async ValueTask HandleAsync(string handler, Guid scope, int item, EventContext context, CancellationToken cancellationToken)
        {
            await probe.HandleAsync(item, cancellationToken);
            _calls.Enqueue((handler, item, context.Redelivered, scope));
            Expected?.Signal();
        }
    }

    /// <summary>A scoped handler class: a new instance (and id) per item.</summary>
    public sealed class JobHandler(JobLog log) : IWorkItemHandler<int>
    {
        private readonly Guid _scope = Guid.NewGuid();

        public ValueTask HandleAsync(int item, EventContext context, CancellationToken cancellationToken) =>
            log.HandleAsync(nameof(JobHandler), _scope, item, context, cancellationToken);
    }

    /// <summary>A second handler class, for a second queue of the same item type.</summary>
    public sealed class OtherJobHandler(JobLog log) : IWorkItemHandler<int>
    {
        private readonly Guid _scope = Guid.NewGuid();

        public ValueTask HandleAsync(int item, EventContext context, CancellationToken cancellationToken) =>
            log.HandleAsync(nameof(OtherJobHandler), _scope, item, context, cancellationToken);
    }
}
