namespace EventBus.Reliability.Tests;

/// <summary>Scenario 19: ambient state (AsyncLocal, Activity) flows where documented and never leaks between messages.</summary>
public sealed class ContextFlowTests(ITestOutputHelper output)
{
    private static readonly AsyncLocal<string?> s_ambient = new();

    [Fact]
    public async Task Scenario19_queued_handlers_see_neither_the_publishers_ambient_state_nor_the_previous_messages()
    {
        await using var bus = EventBusFactory.Create();
        var seen = new Recorder<(int Sequence, string? AtStart)>(200);
        bus.Subscribe<Ping>(ping =>
        {
            seen.Record((ping.Sequence, s_ambient.Value));
            s_ambient.Value = $"set by handler for {ping.Sequence}"; // must not reach the next message
        });
        bus.Subscribe<Ping>(async (ping, _) =>
        {
            seen.Record((ping.Sequence, s_ambient.Value));
            s_ambient.Value = $"async handler {ping.Sequence}";
            await Task.Yield();
        }, new SubscriptionOptions { MaxConcurrency = 2 });

        for (var i = 0; i < 100; i++)
        {
            s_ambient.Value = $"publisher {i}";
            await bus.PublishAsync(new Ping(0, i));
        }

        await seen.WaitAsync();
        seen.Items.Should().OnlyContain(s => s.AtStart == null,
            "a queued handler runs in the consumer's own context: the publisher's AsyncLocal values do not flow (documented), and values a handler sets do not leak into the next message");
        output.WriteLine("scenario 19 (queued): 200 handler calls saw no publisher AsyncLocal and no value left by a previous message");
    }

    [Fact]
    public async Task Scenario19_inline_handlers_see_the_publishers_ambient_state_and_activity()
    {
        await using var bus = EventBusFactory.Create();
        using var source = new System.Diagnostics.ActivitySource("EventBus.Reliability.Tests");
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var seen = new List<(string? s_ambient, string? Activity)>();
        bus.Subscribe<Ping>(_ => seen.Add((s_ambient.Value, System.Diagnostics.Activity.Current?.OperationName)),
            new SubscriptionOptions { Mode = DeliveryMode.Inline });

        for (var i = 0; i < 3; i++)
        {
            using var activity = source.StartActivity($"request {i}");
            s_ambient.Value = $"publisher {i}";
            await bus.PublishAsync(new Ping(0, i));
        }

        s_ambient.Value = null;
        await bus.PublishAsync(new Ping(0, 3));

        seen.Should().Equal(("publisher 0", "request 0"), ("publisher 1", "request 1"), ("publisher 2", "request 2"), (null, null));
        output.WriteLine("scenario 19 (inline): handlers see the publisher's AsyncLocal and Activity of their own publish only");
    }
}
