using System.Reflection;
using EventBus.Tests.PubSub;

namespace EventBus.Reliability.Tests;

/// <summary>Scenario 12: the bus under a single-threaded synchronization context and with callers
/// that block on async code.</summary>
public sealed class SynchronizationContextTests(ITestOutputHelper output)
{
    public static TheoryData<string> ContractTests()
    {
        var data = new TheoryData<string>();
        foreach (var type in new[] { typeof(QueuedDeliveryContractTests), typeof(InlineDeliveryContractTests) })
        {
            foreach (var method in type.GetMethods().Where(m => m.GetCustomAttribute<FactAttribute>() is not null))
            {
                data.Add($"{type.Name}.{method.Name}");
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ContractTests))]
    public async Task Scenario12_the_contract_suite_passes_on_a_single_threaded_context(string test)
    {
        var parts = test.Split('.');
        var type = parts[0] == nameof(QueuedDeliveryContractTests) ? typeof(QueuedDeliveryContractTests) : typeof(InlineDeliveryContractTests);
        var method = type.GetMethod(parts[1])!;

        await SingleThreadedContext.RunAsync(async _ =>
        {
            var instance = (PubSubContractTests)Activator.CreateInstance(type)!;
            await instance.InitializeAsync();
            try
            {
                await (Task)method.Invoke(instance, null)!;
            }
            finally
            {
                await instance.DisposeAsync();
            }
        }, TimeSpan.FromSeconds(60));
        output.WriteLine($"scenario 12: {test} passed on a single-threaded synchronization context");
    }

    [Fact]
    public async Task Scenario12_a_caller_blocking_on_async_code_on_a_single_threaded_context_does_not_deadlock()
    {
        var handlerThreads = new System.Collections.Concurrent.ConcurrentBag<(int Thread, bool HadContext)>();
        await SingleThreadedContext.RunAsync(context =>
        {
            var bus = EventBusFactory.Create();
            bus.Subscribe<Ping>(async (_, _) =>
            {
                handlerThreads.Add((Environment.CurrentManagedThreadId, SynchronizationContext.Current is not null));
                await Task.Yield();
            }, new SubscriptionOptions { Capacity = 1 });
            var inlineThreads = new List<int>();
            bus.Subscribe<Ping>(_ => inlineThreads.Add(Environment.CurrentManagedThreadId), new SubscriptionOptions { Mode = DeliveryMode.Inline });

            // Blocking the only thread of the context on async bus calls: each must complete
            // without needing this thread (the bus never captures the caller's context).
            for (var i = 0; i < 200; i++)
            {
                bus.PublishAsync(new Ping(0, i)).AsTask().Wait();
            }

            bus.GetPublisher<Ping>().PublishAsync(new Ping(0, 200)).AsTask().GetAwaiter().GetResult();
            var result = bus.CompleteAsync().AsTask().Result;
            bus.DisposeAsync().AsTask().Wait();

            result.Delivered.Should().Be(2 * 201);
            inlineThreads.Should().OnlyContain(t => t == context.ThreadId, "inline handlers run on the publisher's thread");
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(60));

        handlerThreads.Should().HaveCount(201);
        handlerThreads.Should().OnlyContain(h => !h.HadContext, "queued handlers never run on the publisher's context");
        output.WriteLine("scenario 12: 201 blocking publishes, a blocking drain and a blocking dispose on a single-threaded context; queued handlers ran off it");
    }
}
