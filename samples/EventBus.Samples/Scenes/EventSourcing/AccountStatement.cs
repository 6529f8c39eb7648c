using System.Globalization;

namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>
/// A second read side that pulls instead of being pushed: an <c>await foreach</c> over a stream of the same
/// account events. The stream is one bounded subscription whose buffer is the loop's backlog, so the loop
/// reads at its own pace, and it ends by itself when the bus completes, after every event it accepted.
/// </summary>
internal static class AccountStatement
{
    public const string Name = "account-statement";

    /// <summary>Subscribes now, so no event published from here on is missed, even before the loop starts.</summary>
    public static IAsyncEnumerable<(IAccountEvent Event, EventContext Context)> Subscribe(IEventBus bus, CancellationToken cancellationToken) =>
        bus.StreamWithContextAsync<IAccountEvent>(
            new SubscriptionOptions { Name = Name, Topic = AccountFeed.Topic, Capacity = 16 }, cancellationToken);

    /// <summary>Writes <paramref name="accountId"/>'s statement from the stream, until the bus completes.</summary>
    public static async Task<IReadOnlyList<StatementLine>> ReadAsync(
        IAsyncEnumerable<(IAccountEvent Event, EventContext Context)> events, string accountId)
    {
        ArgumentNullException.ThrowIfNull(events);
        var lines = new List<StatementLine>();
        var balance = 0m;
        await foreach (var (@event, context) in events)
        {
            if (@event.AccountId != accountId)
            {
                continue;
            }

            var position = long.Parse(context.Headers[AccountFeed.PositionHeader], CultureInfo.InvariantCulture);
            var (entry, amount) = @event switch
            {
                AccountOpened opened => ($"opened for {opened.Owner}", 0m),
                MoneyDeposited deposited => ("deposit", deposited.Amount),
                MoneyWithdrawn withdrawn => ("withdrawal", -withdrawn.Amount),
                _ => (@event.GetType().Name, 0m),
            };
            balance += amount;
            lines.Add(new StatementLine(position, entry, amount, balance));
        }

        return lines;
    }
}
