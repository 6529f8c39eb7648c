using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.ScaleCurves;

/// <summary>
/// Curve (b): one typed inline publish to <see cref="Subscribers"/> matching subscribers, per
/// subscriber, over the rounds; beside it the baseline (a loop over N delegates) and two paired
/// ratios: EventBus over the baseline, and EventBus at N over EventBus at the reference count, in
/// the same round.
/// </summary>
public sealed record PublishPoint(
    int Subscribers,
    int PublishesPerBatch,
    Distribution EventBusNsPerSubscriber,
    Distribution DelegatesNsPerSubscriber,
    Distribution RatioToDelegates,
    Distribution RatioToReference,
    double BytesPerPublish);
