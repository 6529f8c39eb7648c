using System.Collections.Concurrent;
using EventBus.Tests.TestUtilities;

namespace EventBus.DependencyInjection.Discovery.Tests;

public sealed record OrderPlaced(int Id);

public sealed record OrderCancelled(int Id);

public sealed record ChargeCard(int OrderId);

public sealed record StockCounted(int Sku);

public sealed record PackParcel(int OrderId);

/// <summary>What the handlers saw, shared through the container.</summary>
public sealed class Journal
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public Countdown? Expected { get; set; }

    /// <summary>The filters' steps and the filtered handler's calls, in order (not counted by <see cref="Expected"/>).</summary>
    public ConcurrentQueue<string> Trail { get; } = new();

    public void Write(string entry)
    {
        Entries.Enqueue(entry);
        Expected?.Signal();
    }
}

/// <summary>One class handling two events: discovery registers it for each.</summary>
public sealed class OrderHistory(Journal journal) : IEventHandler<OrderPlaced>, IEventHandler<OrderCancelled>
{
    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        journal.Write($"history placed {@event.Id}");
        return default;
    }

    public ValueTask HandleAsync(OrderCancelled @event, EventContext context, CancellationToken cancellationToken)
    {
        journal.Write($"history cancelled {@event.Id}");
        return default;
    }
}

/// <summary>Settings from the attribute: a name, a topic, concurrency and retries.</summary>
[EventBusHandler(Name = "vip-desk", Topic = "vip", Concurrency = 2, MaxRetries = 0, Capacity = 64, FullMode = BufferFullMode.DropOldest)]
public sealed class VipDesk(Journal journal) : IEventHandler<OrderPlaced>
{
    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        journal.Write($"vip {@event.Id} on {context.Topic}");
        return default;
    }
}

/// <summary>An inline handler, and an internal class: the generated code lives in this assembly and can name it.</summary>
[EventBusHandler(Mode = DeliveryMode.Inline)]
internal sealed class Audit(Journal journal) : IEventHandler<OrderPlaced>
{
    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        journal.Write($"audit {@event.Id} on thread {Environment.CurrentManagedThreadId}");
        return default;
    }
}

/// <summary>A work-item handler: discovery registers the unnamed work queue of ChargeCard.</summary>
[EventBusHandler(Concurrency = 3)]
public sealed class CardPayments(Journal journal) : IWorkItemHandler<ChargeCard>
{
    public ValueTask HandleAsync(ChargeCard item, EventContext context, CancellationToken cancellationToken)
    {
        journal.Write($"charged {item.OrderId}");
        return default;
    }
}

/// <summary>A second handler of the same item type needs its own, named, queue.</summary>
[EventBusHandler(Name = "refunds")]
public sealed class Refunds(Journal journal) : IWorkItemHandler<ChargeCard>
{
    public ValueTask HandleAsync(ChargeCard item, EventContext context, CancellationToken cancellationToken)
    {
        journal.Write($"refunded {item.OrderId}");
        return default;
    }
}

/// <summary>Left out of discovery on purpose: registered by hand where a test wants it.</summary>
[EventBusHandler(Exclude = true)]
public sealed class ManualOnly(Journal journal) : IEventHandler<OrderCancelled>
{
    public ValueTask HandleAsync(OrderCancelled @event, EventContext context, CancellationToken cancellationToken)
    {
        journal.Write($"manual {@event.Id}");
        return default;
    }
}

/// <summary>A base class is no handler of its own; its concrete subclass is.</summary>
public abstract class LoggingHandler<T>(Journal journal) : IEventHandler<T>
{
    public ValueTask HandleAsync(T @event, EventContext context, CancellationToken cancellationToken)
    {
        journal.Write($"{GetType().Name} {@event}");
        return default;
    }
}

public sealed class CancellationLog(Journal journal) : LoggingHandler<OrderCancelled>(journal);

/// <summary>Filters of its own from the attribute, outermost first, for the event it handles and its work queue alike.</summary>
[EventBusHandler(Filters = [typeof(TenantFilter), typeof(TimingFilter)])]
public sealed class StockLedger(Journal journal) : IEventHandler<StockCounted>, IWorkItemHandler<PackParcel>
{
    public ValueTask HandleAsync(StockCounted @event, EventContext context, CancellationToken cancellationToken)
    {
        journal.Trail.Enqueue($"counted {@event.Sku}");
        journal.Write($"counted {@event.Sku}");
        return default;
    }

    public ValueTask HandleAsync(PackParcel item, EventContext context, CancellationToken cancellationToken)
    {
        journal.Trail.Enqueue($"packed {item.OrderId}");
        journal.Write($"packed {item.OrderId}");
        return default;
    }
}

/// <summary>Writes its name to the trail before and after the rest of the pipeline.</summary>
public abstract class TrailFilter(Journal journal, string name) : IHandlerFilter
{
    public async ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
    {
        journal.Trail.Enqueue($"{name}>");
        await next(context);
        journal.Trail.Enqueue($"<{name}");
    }
}

public sealed class TenantFilter(Journal journal) : TrailFilter(journal, "tenant");

public sealed class TimingFilter(Journal journal) : TrailFilter(journal, "timing");

/// <summary>Added by hand with AddFilter: a global filter, around every handler class.</summary>
public sealed class OuterFilter(Journal journal) : TrailFilter(journal, "outer");
