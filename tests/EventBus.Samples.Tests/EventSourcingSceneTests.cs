using EventBus.Samples.Scenes.EventSourcing;

namespace EventBus.Samples.Tests;

public sealed class EventSourcingSceneTests
{
    [Fact]
    public async Task The_live_read_model_equals_the_one_rebuilt_from_the_log()
    {
        var (result, output) = await SceneHarness.RunAsync(new EventSourcingScene());

        result.ModelsMatch.Should().BeTrue();
        result.Live.Should().Equal(result.Rebuilt);
        result.Live.Should().Equal(
            new AccountSummary("ACC-1", "Ada Lovelace", 140.00m, "EUR", Deposits: 2, Withdrawals: 1, Version: 4),
            new AccountSummary("ACC-2", "Grace Hopper", 80.00m, "EUR", Deposits: 1, Withdrawals: 0, Version: 2));
        output.Should().Contain("The two read models are equal");
    }

    [Fact]
    public async Task Old_schema_events_stay_as_written_in_the_log_and_are_upcast_on_read()
    {
        var (result, _) = await SceneHarness.RunAsync(new EventSourcingScene());

        result.Log.Take(2).Should().OnlyContain(e => e.SchemaVersion == 1, "the log is never rewritten");
        result.Log[0].Data.Should().Contain("\"holder\"");
        result.Log[1].Data.Should().Contain("\"120.00 EUR\"");
        result.Upcasts.Keys.Should().Equal(1L, 2L);

        EventSerializer.Deserialize(result.Log[0]).Event.Should().Be(new AccountOpened("ACC-1", "Ada Lovelace", "EUR"));
        EventSerializer.Deserialize(result.Log[1]).Event.Should().Be(new MoneyDeposited("ACC-1", 120.00m, "EUR"));
        result.Log.Skip(2).Should().OnlyContain(e => e.SchemaVersion == EventSerializer.CurrentSchema);
    }

    [Fact]
    public async Task The_write_side_refuses_invalid_commands_and_appends_nothing_for_them()
    {
        var (result, _) = await SceneHarness.RunAsync(new EventSourcingScene());

        result.Outcomes.Where(o => !o.Accepted).Select(o => o.Rejection).Should().Equal(
            "insufficient funds: the balance is 170.00 EUR",
            "the account is already open",
            "the amount must be positive");
        result.Outcomes.Where(o => !o.Accepted).Should().OnlyContain(o => o.Appended.Count == 0);
        result.Log.Select(e => e.Position).Should().Equal(1L, 2L, 3L, 4L, 5L, 6L);
        result.Log.Where(e => e.StreamId == "ACC-1").Select(e => e.StreamVersion).Should().Equal(1, 2, 3, 4);
    }

    [Fact]
    public async Task The_projection_receives_every_event_through_the_bus_once()
    {
        var (result, _) = await SceneHarness.RunAsync(new EventSourcingScene());

        result.Bus[AccountProjection.Name].Delivered.Should().Be(result.Log.Count, "two caught up from the log, four published live");
        result.Bus.Drain.Completed.Should().BeTrue();
    }

    [Fact]
    public async Task The_statement_pulled_with_await_foreach_has_every_event_of_its_account_and_ends_with_the_bus()
    {
        var (result, output) = await SceneHarness.RunAsync(new EventSourcingScene());

        result.Statement.Should().Equal(
            new StatementLine(1, "opened for Ada Lovelace", 0m, 0m),
            new StatementLine(2, "deposit", 120.00m, 120.00m),
            new StatementLine(3, "deposit", 50m, 170.00m),
            new StatementLine(6, "withdrawal", -30m, 140.00m));
        result.Statement[^1].Balance.Should().Be(result.Live[0].Balance, "the pulled statement and the pushed projection agree");
        result.Bus[AccountStatement.Name].Delivered.Should().Be(result.Log.Count, "the stream took every event of the topic before the bus completed");
        result.Bus.Drain.Completed.Should().BeTrue();
        output.Should().Contain("ended by itself");
    }

    [Fact]
    public void A_projection_ignores_an_event_it_has_already_applied()
    {
        var model = new AccountReadModel();
        model.Apply(new AccountOpened("ACC-9", "Kay", "EUR"), 1).Should().BeTrue();
        model.Apply(new MoneyDeposited("ACC-9", 10m, "EUR"), 2).Should().BeTrue();

        model.Apply(new MoneyDeposited("ACC-9", 10m, "EUR"), 2).Should().BeFalse("a redelivered event must not count twice");
        model.Rows.Should().ContainSingle().Which.Balance.Should().Be(10m);
    }

    [Fact]
    public void An_append_that_expects_an_old_version_is_refused()
    {
        var store = new EventStore();
        store.Append("ACC-9", 0, [("AccountOpened", 2, "{}")]);

        var stale = () => store.Append("ACC-9", 0, [("MoneyDeposited", 2, "{}")]);

        stale.Should().Throw<InvalidOperationException>().WithMessage("*version 1, not 0*");
    }
}
