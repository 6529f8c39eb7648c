namespace EventBus.Samples.Scenes.PaymentQueue;

/// <summary>A payment to take: the work item. Its id is the business key that makes a repeated charge harmless.</summary>
internal sealed record ChargePayment(string PaymentId, string Customer, decimal Amount, string Currency);
