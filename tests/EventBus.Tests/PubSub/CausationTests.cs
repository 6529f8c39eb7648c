using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.PubSub;

/// <summary>A handler's publishes and enqueues point at the item it is handling (<see cref="EventContext.CausationId"/>).</summary>
public sealed class CausationTests
{
    [Theory]
    [InlineData(DeliveryMode.Queued)]
    [InlineData(DeliveryMode.Inline)]
    public async Task A_handlers_publish_points_at_the_event_it_handles(DeliveryMode mode)
    {
        await using var bus = EventBusFactory.Create();
        var parent = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var child = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.Subscribe<Parent>(async (_, context, ct) =>
        {
            parent.SetResult(context);
            await Task.Yield();

            // After an await too: the mark flows into the handler's continuations.
            await bus.PublishAsync(new Child(), ct);
        }, new SubscriptionOptions { Mode = mode });
        bus.Subscribe<Child>((_, context) => child.SetResult(context));

        await bus.PublishAsync(new Parent());

        var parentContext = await Wait.For(parent.Task, "the parent's handler");
        var childContext = await Wait.For(child.Task, "the child's handler");
        parentContext.CausationId.Should().BeNull("the test published it from outside any handler");
        childContext.CausationId.Should().Be(parentContext.Id);
    }

    [Fact]
    public async Task A_retry_publishes_with_the_same_cause()
    {
        await using var bus = EventBusFactory.Create();
        var parentId = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        var causes = new List<Guid?>();
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = 0;
        bus.Subscribe<Parent>((_, context) =>
        {
            parentId.TrySetResult(context.Id);
            bus.Publish(new Child());
            if (++attempts == 1)
            {
                throw new InvalidOperationException("first attempt fails");
            }
        }, new SubscriptionOptions { RetryPolicy = new RetryPolicy { MaxRetries = 1, BaseDelay = TimeSpan.Zero, Jitter = 0 } });
        bus.Subscribe<Child>((_, context) =>
        {
            lock (causes)
            {
                causes.Add(context.CausationId);
                if (causes.Count == 2)
                {
                    both.SetResult();
                }
            }
        });

        bus.Publish(new Parent());

        await Wait.For(both.Task, "both attempts' publishes");
        var id = await parentId.Task;
        causes.Should().Equal(id, id);
    }

    [Fact]
    public async Task Work_items_and_events_point_at_each_other_across_a_queue()
    {
        await using var bus = EventBusFactory.Create();
        var published = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var itemContext = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var queue = WorkQueue.Create<Child>(async (_, context, ct) =>
        {
            itemContext.SetResult(context);
            await bus.PublishAsync(new Done(), ct);
        });
        var parent = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.Subscribe<Parent>(async (_, context, ct) =>
        {
            parent.SetResult(context);
            await queue.EnqueueAsync(new Child(), ct);
        });
        bus.Subscribe<Done>((_, context) => published.SetResult(context));

        bus.Publish(new Parent());

        var item = await Wait.For(itemContext.Task, "the work item's handler");
        item.CausationId.Should().Be((await parent.Task).Id);
        (await Wait.For(published.Task, "the event the work item's handler published")).CausationId.Should().Be(item.Id);
    }

    [Fact]
    public async Task A_publish_outside_any_handler_has_no_cause()
    {
        await using var bus = EventBusFactory.Create();
        var seen = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.Subscribe<Child>((_, context) => seen.SetResult(context));

        await Task.Run(() => bus.Publish(new Child()));

        (await Wait.For(seen.Task, "the handler")).CausationId.Should().BeNull();
    }

    [Fact]
    public async Task A_cause_given_in_the_publish_options_wins_inside_a_handler_too()
    {
        await using var bus = EventBusFactory.Create();
        var remote = Guid.NewGuid();
        var seen = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.Subscribe<Parent>((_, ct) => bus.PublishAsync(new Child(), new PublishOptions { CausationId = remote }, ct));
        bus.Subscribe<Child>((_, context) => seen.SetResult(context));

        bus.Publish(new Parent());

        (await Wait.For(seen.Task, "the child's handler")).CausationId.Should().Be(remote, "a bridge relays the cause it received");
    }

    private sealed record Parent;

    private sealed record Child;

    private sealed record Done;
}
