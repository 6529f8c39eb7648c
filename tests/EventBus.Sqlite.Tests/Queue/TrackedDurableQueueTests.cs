using EventBus.Sqlite.Tests.Infrastructure;
using EventBus.Testing;

namespace EventBus.Sqlite.Tests.Queue;

/// <summary>A durable queue under a tracker of EventBus.Testing: its enqueues join causal trees, and its handler's
/// outcome settles them, across the row written to and read back from the file.</summary>
public sealed class TrackedDurableQueueTests : IAsyncDisposable
{
    private readonly TempDatabase _db = new();
    private readonly IEventBus _bus = EventBusFactory.Create();

    public async ValueTask DisposeAsync()
    {
        await _bus.DisposeAsync();
        _db.Dispose();
    }

    [Fact]
    public async Task An_item_enqueued_and_waited_for_is_the_root_of_what_its_handler_publishes()
    {
        var handled = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.Subscribe<Shipped>((_, context) => handled.TrySetResult(context), new SubscriptionOptions { Name = "notifier" });
        await using var queue = SqliteWorkQueue.Create<int>(
            (item, ct) => _bus.PublishAsync(new Shipped(item), ct),
            _db.Ints(),
            _db.QueueOptions<int>());
        using var tracker = new EventBusTracker(_bus);

        var session = await tracker.EnqueueAndWaitAsync(queue, 7);

        var root = session.Roots.Should().ContainSingle().Subject;
        root.Queue.Should().Be("jobs");
        root.Message.Should().Be(7);
        root.Outcomes.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Consumer = "jobs", Kind = TrackedOutcomeKind.Handled, Attempts = 1 });
        var shipped = root.Caused.Should().ContainSingle().Subject;
        shipped.Message.Should().Be(new Shipped(7));
        shipped.Context.CausationId.Should().Be(root.Context.Id);
        handled.Task.IsCompleted.Should().BeTrue("the tree settles only once the notifier has handled the event");
    }

    [Fact]
    public async Task A_handlers_enqueue_joins_its_events_tree_and_a_dead_letter_is_an_outcome()
    {
        var seen = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var queue = SqliteWorkQueue.Create<int>(
            (item, context) =>
            {
                seen.TrySetResult(context);
                throw new InvalidOperationException($"item {item} cannot be processed");
            },
            _db.Ints(),
            _db.QueueOptions<int>());
        _bus.Subscribe<Shipped>((shipped, ct) => queue.EnqueueAsync(shipped.Item, ct), new SubscriptionOptions { Name = "archiver" });
        using var tracker = new EventBusTracker(_bus).Track(queue);

        var session = await tracker.PublishAndWaitAsync(new Shipped(3));

        var root = session.Roots.Should().ContainSingle().Subject;
        var item = root.Caused.Should().ContainSingle().Subject;
        item.Queue.Should().Be("jobs");
        item.Outcomes.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Consumer = "jobs", Kind = TrackedOutcomeKind.DeadLettered, Attempts = 1 });
        (await seen.Task).CausationId.Should().Be(root.Context.Id, "the durable item's handler sees what caused it");
        session.AllHandled.Should().BeFalse();
    }

    private sealed record Shipped(int Item);
}
