namespace EventBus.Samples.Scenes.OrderFanOut;

/// <summary>
/// Emails the order confirmation. The mail server rejects one customer's address, every time: no
/// number of retries will fix it, so the order ends in the dead-letter queue for a person to look at.
/// </summary>
internal sealed class ConfirmationEmailService(OrderLedger ledger) : IEventHandler<OrderPlaced>
{
    public const string Name = "email-service";

    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        if (@event.Email.EndsWith(".invalid", StringComparison.Ordinal))
        {
            ledger.Failed(Name, @event, context, "mail server rejected the address");
            throw new InvalidOperationException($"SMTP 550: mailbox <{@event.Email}> unavailable");
        }

        ledger.Succeeded(Name, @event, context, $"sent the confirmation to {@event.Email}");
        return ValueTask.CompletedTask;
    }
}
