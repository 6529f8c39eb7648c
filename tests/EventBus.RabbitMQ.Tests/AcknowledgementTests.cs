using System.Text.Json;
using EventBus.RabbitMQ.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.RabbitMQ.Tests;

/// <summary>When a message is acknowledged, when it is dead-lettered, and how much is in flight.</summary>
public sealed class AcknowledgementTests(BrokerFixture broker) : BrokerTest(broker)
{
    [Fact]
    public async Task A_work_item_is_acknowledged_after_success_and_dead_lettered_with_the_reason_after_its_retries()
    {
        const int Count = 10;
        var queue = QueueName("jobs");
        var succeeded = new Recorder<int>(Count / 2);
        var attempts = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Consume<Job>(
            queue,
            (job, _, _) =>
            {
                attempts.AddOrUpdate(job.Number, 1, static (_, n) => n + 1);
                if (job.Fail)
                {
                    throw new InvalidOperationException($"job {job.Number} cannot be done");
                }

                succeeded.Record(job.Number);
                return default;
            },
            Wire.JobsTopic,
            q => q.RetryPolicy = new RetryPolicy { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1), Jitter = 0 }));
        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<Job>(Wire.JobsTopic));

        for (var i = 1; i <= Count; i++)
        {
            await a.Bus().PublishAsync(new Job(i, Fail: i % 2 == 0), PublishOptions.ForTopic(Wire.JobsTopic));
        }

        await Signals.For(succeeded.WaitAsync("successful jobs"), "the jobs that succeed");
        var deadLetters = await Broker.TakeAsync(DeadLetterQueue, Count / 2);

        deadLetters.Select(d => JsonSerializer.Deserialize(d.Body, TestJsonContext.Default.Job)!.Number)
            .Should().BeEquivalentTo([2, 4, 6, 8, 10], "only the failing jobs are dead-lettered");
        foreach (var letter in deadLetters)
        {
            letter.Headers.Should().Contain(RabbitMQHeaders.DeadLetterReason, RabbitMQDeadLetterReasons.HandlerFailed);
            letter.Headers.Should().Contain(RabbitMQHeaders.Attempts, "3", "one attempt and two retries");
            letter.Headers.Should().Contain(RabbitMQHeaders.ExceptionType, typeof(InvalidOperationException).FullName!);
            letter.Headers[RabbitMQHeaders.DeadLetterDetail].Should().Contain("cannot be done");
            letter.Headers.Should().Contain(RabbitMQHeaders.OriginalQueue, queue);
            letter.Headers.Should().Contain(RabbitMQHeaders.OriginalRoutingKey, Wire.JobsTopic);
            letter.Headers.Should().Contain(RabbitMQHeaders.Type, Wire.JobType);
            letter.Headers.Should().ContainKey(RabbitMQHeaders.Id);
        }

        attempts.Where(x => x.Key % 2 == 0).Should().OnlyContain(x => x.Value == 3);
        attempts.Where(x => x.Key % 2 == 1).Should().OnlyContain(x => x.Value == 1);
        await Signals.Until(() => b.Bridge().GetStatistics().Acknowledged == Count / 2, "the successful jobs are acknowledged");
        b.Bridge().GetStatistics().DeadLettered.Should().Be(Count / 2);

        await StopQuietlyAsync(b);
        (await Broker.MessageCountAsync(queue)).Should().Be(0, "every message was settled: acknowledged or dead-lettered, none handed back");
    }

    [Fact]
    public async Task A_pub_sub_event_that_a_local_subscriber_gives_up_on_is_copied_to_the_dead_letter_exchange()
    {
        var delivered = new Recorder<int>(4);
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Subscribe<OrderPlaced>(Wire.OrdersTopic));
        b.Bus().Subscribe<OrderPlaced>(
            order =>
            {
                if (order.Number == 3)
                {
                    throw new InvalidOperationException("order 3 is poison");
                }

                delivered.Record(order.Number);
            },
            new SubscriptionOptions { Name = "billing", RetryPolicy = RetryPolicy.None });
        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<OrderPlaced>(Wire.OrdersTopic));

        for (var i = 1; i <= 5; i++)
        {
            await a.Bus().PublishAsync(new OrderPlaced(i, "c"), new PublishOptions { Topic = Wire.OrdersTopic, CorrelationId = $"corr-{i}" });
        }

        await Signals.For(delivered.WaitAsync(), "the healthy orders");
        var letter = (await Broker.TakeAsync(DeadLetterQueue, 1)).Single();

        JsonSerializer.Deserialize(letter.Body, TestJsonContext.Default.OrderPlaced)!.Number.Should().Be(3);
        letter.Headers.Should().Contain(RabbitMQHeaders.DeadLetterReason, RabbitMQDeadLetterReasons.HandlerFailed);
        letter.Headers[RabbitMQHeaders.DeadLetterDetail].Should().Contain("order 3 is poison");
        letter.Headers[RabbitMQHeaders.OriginalQueue].Should().Contain("billing").And.Contain(b.Bridge().InstanceQueueName!);
        letter.Headers.Should().Contain(RabbitMQHeaders.Type, Wire.OrderPlacedType);
        letter.Headers.Should().Contain(RabbitMQHeaders.OriginalUserId, Broker.Settings.User, "the copy names the verified sender");
    }

    [Fact]
    public async Task A_pub_sub_event_is_acknowledged_only_after_every_local_subscriber_handled_it()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inline = new Recorder<int>(1);
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Subscribe<OrderPlaced>(Wire.OrdersTopic));
        b.Bus().Subscribe<OrderPlaced>(order => inline.Record(order.Number), new SubscriptionOptions { Mode = DeliveryMode.Inline });
        b.Bus().Subscribe<OrderPlaced>(
            async (_, ct) =>
            {
                started.TrySetResult();
                await release.Task.WaitAsync(ct);
            },
            new SubscriptionOptions { Name = "slow-shipping" });
        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<OrderPlaced>(Wire.OrdersTopic));

        await a.Bus().PublishAsync(new OrderPlaced(1, "c"), PublishOptions.ForTopic(Wire.OrdersTopic));
        await Signals.For(started.Task, "the slow subscriber to start");
        await Signals.For(inline.WaitAsync(), "the inline subscriber");

        b.Bridge().GetStatistics().Acknowledged.Should().Be(0, "one local subscriber is still handling the event");
        release.SetResult();
        await Signals.Until(() => b.Bridge().GetStatistics().Acknowledged == 1, "the acknowledgement once both subscribers are done");
        b.Bridge().GetStatistics().Requeued.Should().Be(0);
    }

    [Fact]
    public async Task Prefetch_bounds_what_an_instance_holds_and_the_rest_waits_at_the_broker()
    {
        const int Count = 20;
        const int Prefetch = 5;
        var queue = QueueName("slow");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new Recorder<int>(Count);
        var b = await StartInstanceAsync(rabbit =>
        {
            rabbit.PrefetchCount = Prefetch;
            rabbit.MapTestTypes().Consume<Job>(
                queue,
                async (job, _, ct) =>
                {
                    await release.Task.WaitAsync(ct);
                    handled.Record(job.Number);
                },
                Wire.JobsTopic,
                q => q.WorkerCount = 1);
        });
        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<Job>(Wire.JobsTopic));
        for (var i = 1; i <= Count; i++)
        {
            await a.Bus().PublishAsync(new Job(i), PublishOptions.ForTopic(Wire.JobsTopic));
        }

        await Signals.Until(() => a.Bridge().GetStatistics().Sent == Count, "every job is confirmed by the broker");
        await Signals.Until(async () => await Broker.MessageCountAsync(queue) == Count - Prefetch, "the broker holds back all but the prefetch");
        b.Bridge().GetStatistics().Received.Should().Be(Prefetch, "a stuck instance holds no more than its prefetch");

        release.SetResult();
        await Signals.For(handled.WaitAsync(), "every job once released");
        b.Bridge().GetStatistics().Received.Should().Be(Count);
    }
}
