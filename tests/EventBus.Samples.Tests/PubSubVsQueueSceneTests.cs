using EventBus.Samples.Scenes.PubSubVsQueue;

namespace EventBus.Samples.Tests;

public sealed class PubSubVsQueueSceneTests
{
    [Fact]
    public async Task Every_subscriber_gets_all_six_tickets()
    {
        var (result, _) = await SceneHarness.RunAsync(new PubSubVsQueueScene());

        result.Subscribers.Should().HaveCount(3);
        foreach (var subscriber in result.Subscribers)
        {
            result.TicketsOf(subscriber).Should().Equal([1, 2, 3, 4, 5, 6], "a queued subscription handles its copies in publish order");
            result.Bus[subscriber].Delivered.Should().Be(6);
        }

        result.Bus.Drain.Delivered.Should().Be(18);
    }

    [Fact]
    public async Task The_queue_hands_each_ticket_to_exactly_one_agent()
    {
        var (result, _) = await SceneHarness.RunAsync(new PubSubVsQueueScene());

        var handledByAgents = result.Agents.SelectMany(result.TicketsOf).ToList();
        handledByAgents.Should().BeEquivalentTo([1, 2, 3, 4, 5, 6], "each ticket once, none twice, none missing");
        result.Queue.Processed.Should().Be(6);
        result.Queue.FailedAttempts.Should().Be(0);
    }

    [Fact]
    public async Task The_three_agents_share_the_tickets_two_each()
    {
        // Deterministic because agents start in rounds of three (HelpDesk): three busy at once are three workers.
        var (result, output) = await SceneHarness.RunAsync(new PubSubVsQueueScene());

        result.Agents.Should().HaveCount(PubSubVsQueueScene.Workers);
        result.Agents.Should().OnlyContain(agent => result.TicketsOf(agent).Count == 2);
        output.Should().Contain("Who got what").And.Contain("A queue with competing consumers");
    }

    [Fact]
    public async Task An_agent_waits_at_the_gate_until_its_whole_round_is_busy()
    {
        var desk = new HelpDesk(agents: 2, tickets: 3);

        var first = desk.ClockInAsync(CancellationToken.None);
        first.IsCompleted.Should().BeFalse("one agent of a round of two is not enough");
        var second = desk.ClockInAsync(CancellationToken.None);
        (await first).Should().Be("agent-1");
        (await second).Should().Be("agent-2");

        desk.ClockOut("agent-2");
        (await desk.ClockInAsync(CancellationToken.None)).Should().Be("agent-2", "the last round has one ticket, and agent-2's desk is the free one");
    }
}
