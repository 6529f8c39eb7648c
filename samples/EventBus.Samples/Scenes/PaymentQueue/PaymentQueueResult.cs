using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.PaymentQueue;

internal sealed record PaymentQueueResult(
    IReadOnlyList<ChargePayment> Payments,
    IReadOnlyList<GatewayRequest> Requests,
    IReadOnlyList<(string PaymentId, string Receipt)> Charges,
    IReadOnlyList<DeadLetter> DeadLettersBeforeFix,
    int Redriven,
    IReadOnlyList<DeliveryError> Errors,
    WorkQueueStatistics Statistics,
    int Workers,
    int PeakInFlight,
    int NaiveRequests,
    int NaiveCharges) : SceneResult
{
    public override string Outcome =>
        $"{Payments.Count} payments, {Charges.Count} charges: {(ChargedExactlyOnce ? "each exactly once" : "NOT EXACTLY ONCE")} " +
        $"({Statistics.Retried} retries, {DeadLettersBeforeFix.Count} re-driven); a new key per try charged {NaiveCharges}x";

    /// <summary>True when every payment moved money once, and nothing else moved money.</summary>
    public bool ChargedExactlyOnce =>
        Charges.Count == Payments.Count && Payments.All(p => ChargesOf(p.PaymentId) == 1);

    public int ChargesOf(string paymentId) => Charges.Count(c => c.PaymentId == paymentId);

    public IReadOnlyList<GatewayRequest> RequestsOf(string paymentId) => [.. Requests.Where(r => r.PaymentId == paymentId)];
}
