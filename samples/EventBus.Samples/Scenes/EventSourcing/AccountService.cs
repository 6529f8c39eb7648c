namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>
/// The write side: load the account's events, rebuild its state, decide, append the new events
/// with optimistic concurrency, then publish them for the read side.
/// </summary>
internal sealed class AccountService(EventStore store, IEventBus bus)
{
    public async Task<CommandOutcome> ExecuteAsync(AccountCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var history = store.ReadStream(command.AccountId).Select(static stored => EventSerializer.Deserialize(stored).Event);
        var account = Account.FromHistory(command.AccountId, history);

        var (events, rejection) = account.Decide(command);
        if (rejection is not null)
        {
            return new CommandOutcome(command, rejection, []);
        }

        var appended = store.Append(command.AccountId, account.Version, [.. events.Select(EventSerializer.Serialize)]);

        // Publish after the append: the log is the source of truth, the bus only carries news of it.
        // (If the process died between the two, the projection's catch-up from the log would fill the gap.)
        for (var i = 0; i < events.Count; i++)
        {
            await AccountFeed.PublishAsync(bus, events[i], appended[i], cancellationToken);
        }

        return new CommandOutcome(command, null, appended);
    }
}
