namespace EventBus.Samples.Scenes.Saga;

/// <summary>Where one order's saga stands.</summary>
internal enum SagaStatus
{
    AwaitingInventory,
    AwaitingPayment,
    AwaitingShipment,
    Compensating,
    Completed,
    Compensated,
}
