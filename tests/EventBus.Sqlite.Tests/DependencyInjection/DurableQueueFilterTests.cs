using System.Collections.Concurrent;
using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.Sqlite.Tests.DependencyInjection;

/// <summary>
/// <c>AddWorkQueue&lt;T, THandler&gt;(persistence, configure, filters)</c>: a durable queue's handler runs inside the bus's
/// global filters and then its own, in the item's scope, and what a filter decides is what happens to the item's row.
/// </summary>
public sealed class DurableQueueFilterTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_durable_queues_handler_runs_inside_the_global_filter_then_its_own_in_the_items_scope()
    {
        const int items = 3;
        var log = new StepLog(expected: items);
        var persistence = _db.Ints();
        using (var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(log)
                .AddScoped<ItemScope>()
                .AddEventBus()
                    .AddFilter<GlobalFilter>()
                    .AddWorkQueue<int, StepHandler>(persistence, o => o.WorkerCount = 1, f => f.Add<OwnFilter>()))
            .Build())
        {
            await host.StartAsync();
            var queue = host.Services.GetRequiredService<SqliteWorkQueue<int>>();
            for (var i = 0; i < items; i++)
            {
                await queue.EnqueueAsync(i);
            }

            await log.Handled.WaitAsync("every item to be handled");
            var drained = await Wait.For(queue.CompleteAsync(), "the queue to drain");
            drained.Delivered.Should().Be(items);
            await Wait.For(host.StopAsync(), "the host to stop");
        }

        log.Steps.Should().Equal(
            Enumerable.Range(0, items).SelectMany(static i => new[] { $"global>{i}", $"own>{i}", $"handler {i}", $"<own{i}", $"<global{i}" }),
            "one worker: each item passes the global filter, then the queue's own, then reaches the handler");
        log.Contexts.Should().OnlyContain(c => c.ConsumerName == nameof(Int32) && c.IsWorkItem && c.HandlerType == typeof(StepHandler));
        log.Scopes.GroupBy(static s => s.Item).Should().HaveCount(items)
            .And.OnlyContain(g => g.Select(static s => s.Scope).Distinct().Count() == 1, "both filters and the handler come from the item's own scope");
        log.Scopes.Select(static s => s.Scope).Distinct().Should().HaveCount(items, "a scope per item");
        _db.IntRows().Should().BeEmpty("every item was acknowledged once its pipeline succeeded");
    }

    [Fact]
    public async Task An_item_its_own_filter_short_circuits_is_acknowledged_without_its_handler_and_leaves_the_file()
    {
        var log = new StepLog(expected: 1) { Skip = 0 };
        var persistence = _db.Ints();
        WorkQueueDrainResult<int> drained;
        await using (var provider = new ServiceCollection()
            .AddSingleton(log)
            .AddScoped<ItemScope>()
            .AddEventBus().AddWorkQueue<int, StepHandler>("jobs", persistence, o => o.WorkerCount = 1, f => f.Add<OwnFilter>()).Services
            .BuildServiceProvider())
        {
            var queue = provider.GetRequiredKeyedService<SqliteWorkQueue<int>>("jobs");
            await queue.EnqueueAsync(0);
            await queue.EnqueueAsync(1);
            await log.Handled.WaitAsync("the item that is not skipped");
            drained = await Wait.For(queue.CompleteAsync(), "the queue to drain");
        }

        drained.Delivered.Should().Be(2, "a short-circuited call counts as handled");
        log.Steps.Should().Equal("own>0", "<own0", "own>1", "handler 1", "<own1");
        log.Contexts.Should().OnlyContain(c => c.ConsumerName == "jobs");
        _db.IntRows().Should().BeEmpty("the skipped item was acknowledged like the handled one (the last outcomes are written when the queue closes)");
    }

    [Fact]
    public void The_filters_are_part_of_the_registration_and_a_null_list_fails_at_the_call()
    {
        var persistence = _db.Ints();
        var builder = new ServiceCollection().AddEventBus()
            .AddWorkQueue<int, StepHandler>(persistence, null, f => f.Add<OwnFilter>())
            .AddWorkQueue<int, StepHandler>(persistence, null, f => f.Add<OwnFilter>());

        builder.Services.Count(d => d.ServiceType == typeof(IRegisteredWorkQueue)).Should().Be(1, "the same call made twice adds nothing");
        builder.Services.Single(d => d.ServiceType == typeof(OwnFilter)).Lifetime.Should().Be(ServiceLifetime.Scoped);
        FluentActions.Invoking(() => builder.AddWorkQueue<int, StepHandler>(persistence, null, f => f.Add<GlobalFilter>()))
            .Should().Throw<InvalidOperationException>().WithMessage("*Int32*already registered*");
        FluentActions.Invoking(() => builder.AddWorkQueue<int, StepHandler>(persistence))
            .Should().Throw<InvalidOperationException>().WithMessage("*Int32*already registered*", "the same queue without its filters is another registration");

        FluentActions.Invoking(() => builder.AddWorkQueue<int, StepHandler>("other", persistence, null, null!))
            .Should().Throw<ArgumentNullException>().WithParameterName("filters");
        FluentActions.Invoking(() => builder.AddWorkQueue<int, StepHandler>(persistence, null, null!))
            .Should().Throw<ArgumentNullException>().WithParameterName("filters");
        FluentActions.Invoking(() => builder.AddWorkQueue<int, StepHandler>("other", null!, null, f => f.Add<OwnFilter>()))
            .Should().Throw<ArgumentNullException>().WithParameterName("persistence");
        builder.Services.Count(d => d.ServiceType == typeof(IRegisteredWorkQueue)).Should().Be(1, "no refused call registered anything");
    }

    /// <summary>A scoped service with an id: the same for everything resolved from one item's scope.</summary>
    public sealed class ItemScope
    {
        public Guid Id { get; } = Guid.NewGuid();
    }

    /// <summary>What the filters and the handler saw, shared by every scope.</summary>
    public sealed class StepLog(int expected)
    {
        private readonly ConcurrentQueue<string> _steps = new();
        private readonly ConcurrentQueue<HandlerFilterContext> _contexts = new();
        private readonly ConcurrentQueue<(int Item, Guid Scope)> _scopes = new();

        /// <summary>The item <see cref="OwnFilter"/> does not pass on to the handler, if any.</summary>
        public int? Skip { get; init; }

        public Countdown Handled { get; } = new(expected);

        public IReadOnlyList<string> Steps => [.. _steps];

        public IReadOnlyList<HandlerFilterContext> Contexts => [.. _contexts];

        public IReadOnlyList<(int Item, Guid Scope)> Scopes => [.. _scopes];

        public void Add(string step) => _steps.Enqueue(step);

        public void Saw(HandlerFilterContext context, ItemScope scope)
        {
            _contexts.Enqueue(context);
            _scopes.Enqueue(((int)context.Message, scope.Id));
        }

        public void Saw(int item, ItemScope scope) => _scopes.Enqueue((item, scope.Id));
    }

    public sealed class GlobalFilter(StepLog log, ItemScope scope) : IHandlerFilter
    {
        public async ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
        {
            log.Saw(context, scope);
            log.Add($"global>{context.Message}");
            await next(context);
            log.Add($"<global{context.Message}");
        }
    }

    public sealed class OwnFilter(StepLog log, ItemScope scope) : IHandlerFilter
    {
        public async ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
        {
            log.Saw(context, scope);
            log.Add($"own>{context.Message}");
            if (!Equals(context.Message, log.Skip))
            {
                await next(context);
            }

            log.Add($"<own{context.Message}");
        }
    }

    public sealed class StepHandler(StepLog log, ItemScope scope) : IWorkItemHandler<int>
    {
        public ValueTask HandleAsync(int item, EventContext context, CancellationToken cancellationToken)
        {
            log.Saw(item, scope);
            log.Add($"handler {item}");
            log.Handled.Signal();
            return default;
        }
    }
}
