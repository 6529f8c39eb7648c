namespace EventBus.Benchmarks.CrossThread;

/// <summary>
/// EventBus's row of queued 1->1 (N = 1) and fan-out (N subscriptions): a bus of its own with N
/// queued subscriptions (bounded at the same capacity, <see cref="BufferFullMode.Wait"/>), the
/// producer publishing through the typed <see cref="IPublisher{TEvent}"/>, awaiting only when a
/// publish did not complete at once. Public API only.
/// </summary>
public sealed class EventBusSubscriptionsRow<T> : Row
{
    private readonly IEventBus _bus = EventBusFactory.Create();
    private readonly IPublisher<T> _publisher;
    private readonly T _event;

    public EventBusSubscriptionsRow(string scenario, string name, int subscriptions, int capacity, T e)
        : base(scenario, name, isBaseline: false, consumers: subscriptions, fanOut: subscriptions)
    {
        _event = e;
        var options = new SubscriptionOptions { Mode = DeliveryMode.Queued, Capacity = capacity, FullMode = BufferFullMode.Wait };
        for (var i = 0; i < subscriptions; i++)
        {
            _bus.Subscribe(Consumers[i].Handler<T>(), options);
        }

        _publisher = _bus.GetPublisher<T>();
    }

    protected override async Task ProduceAsync(int events)
    {
        var publisher = _publisher;
        var e = _event;
        for (var i = 0; i < events; i++)
        {
            var publish = publisher.PublishAsync(e);
            if (!publish.IsCompletedSuccessfully)
            {
                await publish;
            }
        }
    }

    protected override void StopConsumers() => _bus.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
