using System.Collections.Concurrent;
using EventBus.RabbitMQ.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;

namespace EventBus.RabbitMQ.Tests;

/// <summary>Work queues across the broker: instances compete for one shared queue.</summary>
public sealed class WorkQueueTests(BrokerFixture broker) : BrokerTest(broker)
{
    [Fact]
    public async Task Competing_instances_share_the_work_and_handle_each_message_exactly_once()
    {
        const int Count = 40;
        var queue = QueueName("jobs");
        var handled = new Recorder<(string Instance, int Number, Guid Id)>(Count);
        var startedB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var startedC = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // With one unacknowledged message each (prefetch 1) and a first job that waits until both instances
        // hold one, the broker must hand work to both: the split is forced, not left to luck.
        Func<Job, EventContext, CancellationToken, ValueTask> Handler(string instance, TaskCompletionSource started) => async (job, context, ct) =>
        {
            started.TrySetResult();
            await Task.WhenAll(startedB.Task, startedC.Task).WaitAsync(ct);
            handled.Record((instance, job.Number, context.Id));
        };

        var b = await StartInstanceAsync(rabbit =>
        {
            rabbit.PrefetchCount = 1;
            rabbit.MapTestTypes().Consume(queue, Handler("B", startedB), Wire.JobsTopic, q => q.WorkerCount = 1);
        });
        var c = await StartInstanceAsync(rabbit =>
        {
            rabbit.PrefetchCount = 1;
            rabbit.MapTestTypes().Consume(queue, Handler("C", startedC), Wire.JobsTopic, q => q.WorkerCount = 1);
        });
        var sentIds = new ConcurrentDictionary<int, Guid>();
        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<Job>(Wire.JobsTopic));
        a.Bus().Subscribe<Job>((job, context) => sentIds[job.Number] = context.Id, new SubscriptionOptions { Mode = DeliveryMode.Inline });

        for (var i = 1; i <= Count; i++)
        {
            await a.Bus().PublishAsync(new Job(i), PublishOptions.ForTopic(Wire.JobsTopic));
        }

        await Signals.For(handled.WaitAsync("jobs"), "every job to be handled");

        handled.Items.Select(x => x.Number).Should().OnlyHaveUniqueItems("each message is handled by exactly one instance, once")
            .And.BeEquivalentTo(Enumerable.Range(1, Count));
        handled.Items.Should().Contain(x => x.Instance == "B").And.Contain(x => x.Instance == "C");
        handled.Items.Should().OnlyContain(x => x.Id == sentIds[x.Number], "a work item's context keeps the sender's event id");

        await Signals.Until(() => b.Bridge().GetStatistics().Acknowledged + c.Bridge().GetStatistics().Acknowledged == Count, "every job is acknowledged");
        await StopQuietlyAsync(b);
        await StopQuietlyAsync(c);
        (await Broker.MessageCountAsync(queue)).Should().Be(0, "nothing was left unacknowledged and handed back");
    }
}
