using EventBus.Tests.TestUtilities;

namespace EventBus.Tests.WorkQueues;

public sealed class WorkQueueArgumentTests : WorkQueueTestBase
{
    [Fact]
    public void Options_reject_bad_values_when_they_are_set()
    {
        var options = new WorkQueueOptions<Ping>();

        ((Action)(() => options.WorkerCount = 0)).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.Capacity = 0)).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.Capacity = -1)).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.MaxBatchSize = 0)).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.MaxBatchDelay = TimeSpan.FromMilliseconds(-1))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.Timeout = TimeSpan.Zero)).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.Timeout = TimeSpan.FromSeconds(-2))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.OverflowCapacity = -1)).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.FullMode = (BufferFullMode)42)).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.Guarantee = (DeliveryGuarantee)42)).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.Name = " ")).Should().Throw<ArgumentException>();
        ((Action)(() => options.RetryPolicy = null!)).Should().Throw<ArgumentNullException>();
        ((Action)(() => options.Shared = null!)).Should().Throw<ArgumentNullException>();
        ((Action)(() => options.Shared.DrainTimeout = TimeSpan.FromSeconds(-1))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.PartitionBy<int>(null!))).Should().Throw<ArgumentNullException>().WithParameterName("keySelector");
        ((Action)(() => _ = new RetryPolicy { BaseDelay = TimeSpan.FromTicks(-1) })).Should().Throw<ArgumentOutOfRangeException>();

        options.WorkerCount.Should().Be(Environment.ProcessorCount, "a rejected value leaves the default in place");
        options.Capacity.Should().Be(1024);
        options.Timeout = Timeout.InfiniteTimeSpan;
        options.Timeout.Should().BeNull("an infinite timeout is no timeout");
        options.MaxBatchDelay = TimeSpan.Zero;
        options.OverflowCapacity = 0;
    }

    [Fact]
    public void Creating_a_queue_with_a_null_handler_throws_ArgumentNullException()
    {
        ((Action)(() => WorkQueue.Create((Action<Ping>)null!))).Should().Throw<ArgumentNullException>().WithParameterName("handler");
        ((Action)(() => WorkQueue.Create((Action<Ping, EventContext>)null!))).Should().Throw<ArgumentNullException>().WithParameterName("handler");
        ((Action)(() => WorkQueue.Create((Func<Ping, CancellationToken, ValueTask>)null!))).Should().Throw<ArgumentNullException>().WithParameterName("handler");
        ((Action)(() => WorkQueue.Create((Func<Ping, EventContext, CancellationToken, ValueTask>)null!))).Should().Throw<ArgumentNullException>().WithParameterName("handler");
        ((Action)(() => WorkQueue.CreateBatched((Action<IReadOnlyList<Ping>>)null!))).Should().Throw<ArgumentNullException>().WithParameterName("handler");
        ((Action)(() => WorkQueue.CreateBatched((Func<IReadOnlyList<Ping>, CancellationToken, ValueTask>)null!)))
            .Should().Throw<ArgumentNullException>().WithParameterName("handler");
    }

    [Fact]
    public void A_batching_queue_cannot_be_partitioned()
    {
        var options = Options<Ping>().PartitionBy(p => p.Publisher);
        ((Action)(() => WorkQueue.CreateBatched<Ping>(_ => { }, options))).Should().Throw<ArgumentException>().WithParameterName("options");
    }

    [Fact]
    public async Task Null_items_and_null_dead_letters_throw_ArgumentNullException()
    {
        var queue = Track(WorkQueue.Create<Ping>(_ => { }, Options<Ping>()));

        var enqueue = async () => await queue.EnqueueAsync(null!);
        await enqueue.Should().ThrowAsync<ArgumentNullException>().WithParameterName("item");
        ((Action)(() => queue.TryEnqueue(null!))).Should().Throw<ArgumentNullException>().WithParameterName("item");
        var redrive = async () => await queue.RedriveAsync(null!);
        await redrive.Should().ThrowAsync<ArgumentNullException>().WithParameterName("deadLetters");
        var redriveNullLetter = async () => await queue.RedriveAsync([null!]);
        await redriveNullLetter.Should().ThrowAsync<ArgumentException>();
        queue.Count.Should().Be(0, "a refused item leaves nothing behind");

        var result = await Wait.For(queue.CompleteAsync(), "the drain");
        result.Completed.Should().BeTrue();
    }

    [Fact]
    public async Task Redriving_from_a_sink_that_is_not_a_DeadLetterQueue_throws_InvalidOperationException()
    {
        var queue = Track(WorkQueue.Create<Ping>(_ => { }, Options<Ping>(o => o.Shared.DeadLetterSink = new ThrowingSink())));

        queue.DeadLetters.Should().BeNull();
        var redrive = async () => await queue.RedriveDeadLettersAsync();
        await redrive.Should().ThrowAsync<InvalidOperationException>();
    }

    private sealed class ThrowingSink : IDeadLetterSink
    {
        public ValueTask WriteAsync(DeadLetter deadLetter, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
