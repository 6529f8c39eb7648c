using EventBus.Delivery;

namespace EventBus.WorkQueues;

/// <summary>A work queue a tracker of the EventBus.Testing package can follow: the in-memory one and the durable one
/// (EventBus.Sqlite) report their enqueues and outcomes through their environment's tracking hook.</summary>
internal interface ITrackedQueue
{
    /// <summary>The queue's name.</summary>
    string Name { get; }

    /// <summary>The environment whose <see cref="DeliveryEnvironment.Tracking"/> a tracker sets.</summary>
    DeliveryEnvironment Environment { get; }
}
