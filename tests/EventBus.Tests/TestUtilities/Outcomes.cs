namespace EventBus.Tests.TestUtilities;

/// <summary>What a consumer did with what it accepted.</summary>
public readonly record struct Outcomes(long Delivered, long DeadLettered, long Dropped, long Abandoned)
{
    public long Finished => Delivered + DeadLettered + Dropped + Abandoned;

    public static Outcomes Of(SubscriptionStatistics statistics) =>
        new(statistics.Delivered, statistics.DeadLettered, statistics.Dropped, statistics.Abandoned);

    public static Outcomes Of(WorkQueueStatistics statistics) =>
        new(statistics.Processed, statistics.DeadLettered, statistics.Dropped, statistics.Abandoned);

    public static Outcomes Of(DrainResult result) => new(result.Delivered, result.DeadLettered, result.Dropped, result.Abandoned);
}

/// <summary>
/// The one check of the counting contract: once a consumer is quiescent, every item it accepted has
/// exactly one outcome, so <c>accepted = delivered + dead-lettered + dropped + abandoned</c>.
/// </summary>
public static class OutcomeAssertions
{
    public static void ShouldBalance(this Outcomes outcomes, long accepted, string what = "the consumer")
    {
        outcomes.Finished.Should().Be(
            accepted,
            "{0} accepted {1} items and each must end in exactly one outcome ({2})", what, accepted, outcomes);
    }

    public static void ShouldBalance(this SubscriptionStatistics statistics, long accepted, string what = "the subscription") =>
        Outcomes.Of(statistics).ShouldBalance(accepted, what);

    public static void ShouldBalance(this WorkQueueStatistics statistics, long accepted, string what = "the queue") =>
        Outcomes.Of(statistics).ShouldBalance(accepted, what);

    public static void ShouldBalance(this DrainResult result, long accepted, string what = "the drain") =>
        Outcomes.Of(result).ShouldBalance(accepted, what);
}
