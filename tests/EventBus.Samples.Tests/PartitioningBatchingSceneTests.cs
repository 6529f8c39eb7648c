using EventBus.Samples.Scenes.PartitioningBatching;

namespace EventBus.Samples.Tests;

public sealed class PartitioningBatchingSceneTests
{
    [Fact]
    public async Task Each_users_events_are_processed_once_in_their_own_order()
    {
        var (result, _) = await SceneHarness.RunAsync(new PartitioningBatchingScene());

        result.Processed.Should().HaveCount(result.Activities.Count);
        result.Processed.Select(p => p.Activity).Should().OnlyHaveUniqueItems().And.BeEquivalentTo(result.Activities);
        result.Users.Should().HaveCount(4);
        foreach (var user in result.Users)
        {
            result.StepsOf(user).Should().Equal([1, 2, 3, 4], $"{user}'s events are partitioned by user id");
        }

        result.EveryUserInOrder.Should().BeTrue();
        result.Overlaps.Should().Be(0, "two events of one user are never in progress at the same time");
        result.PeakUsers.Should().BeInRange(1, PartitioningBatchingScene.Workers);
    }

    [Fact]
    public async Task Batches_hold_at_most_N_rows_and_store_every_page_view_once_in_order()
    {
        var (result, _) = await SceneHarness.RunAsync(new PartitioningBatchingScene());

        result.Batches.Should().NotBeEmpty().And.OnlyContain(b => b.Size >= 1 && b.Size <= PartitioningBatchingScene.MaxBatchSize);
        result.Batches.SelectMany(b => b.Items).Should().Equal(Enumerable.Range(1, result.PageViews), "one worker writes the batches in order");
        result.Batches.Count.Should().BeLessThan(result.PageViews, "batching saves round trips");
    }

    [Fact]
    public async Task A_partial_batch_is_flushed_by_the_linger_not_by_the_drain()
    {
        var (result, _) = await SceneHarness.RunAsync(new PartitioningBatchingScene());

        // The scene waits for every row before it drains, so a batch below the size limit can only
        // have been sent by the linger.
        result.Batches.Should().OnlyContain(b => !b.DuringDrain);
        result.Batches.Should().Contain(b => b.Size < PartitioningBatchingScene.MaxBatchSize,
            $"the burst of {PartitioningBatchingScene.Burst} is not a multiple of {PartitioningBatchingScene.MaxBatchSize}");
        result.Linger.Should().BePositive();
    }
}
