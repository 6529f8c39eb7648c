namespace EventBus.Benchmarks.ScaleCurves;

/// <summary>
/// Subscribing and then unsubscribing <see cref="Subscriptions"/> inline subscriptions on one route,
/// repeated on <see cref="Repetitions"/> fresh buses. Times are per operation: the mean over all N,
/// and the mean over the tenth done at the largest size (the last subscribes, the first unsubscribes),
/// which is the marginal cost at N. Bytes are per bus (per N subscriptions) unless named per subscription.
/// With several <see cref="Trials"/>, each figure is the median over them; <see cref="Seconds"/> is their total.
/// </summary>
public sealed record SubscribePoint(
    int Subscriptions,
    int Repetitions,
    double SubscribeNs,
    double SubscribeLastTenthNs,
    double UnsubscribeNs,
    double UnsubscribeFirstTenthNs,
    double SubscribeBytes,
    double RetainedBytesPerSubscription,
    double UnsubscribeBytes,
    double Seconds,
    int Trials = 1,
    string? Skipped = null)
{
    public double SubscribeBytesPerSubscription => SubscribeBytes / Subscriptions;

    public static SubscribePoint Skip(int subscriptions, string reason) =>
        new(subscriptions, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0, reason);
}
