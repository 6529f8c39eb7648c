namespace EventBus.Samples.Scenes.Observability;

/// <summary>A customer paid: the event every subscription of this scene receives.</summary>
internal sealed record CheckoutCompleted(int Number, decimal Amount);
