using System.Globalization;

namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>The live projection: a handler on the bus that applies each account event to the read model.</summary>
internal sealed class AccountProjection(AccountReadModel model) : IEventHandler<IAccountEvent>
{
    public const string Name = "account-projection";

    public ValueTask HandleAsync(IAccountEvent @event, EventContext context, CancellationToken cancellationToken)
    {
        var version = int.Parse(context.Headers[AccountFeed.StreamVersionHeader], CultureInfo.InvariantCulture);
        model.Apply(@event, version);
        return ValueTask.CompletedTask;
    }
}
