using System.Collections.Concurrent;

[assembly: EventBus.EventBusHandlerAssembly]

namespace EventBus.DependencyInjection.Discovery.Handlers;

/// <summary>An event published by the application and handled by this library.</summary>
public sealed record InvoiceIssued(int Number);

/// <summary>What the library's handlers saw, shared through the container.</summary>
public sealed class LibraryJournal
{
    public ConcurrentQueue<string> Entries { get; } = new();

    /// <summary>What the library's filter saw (not announced by <see cref="Written"/>).</summary>
    public ConcurrentQueue<string> Steps { get; } = new();

    public event Action? Written;

    public void Write(string entry)
    {
        Entries.Enqueue(entry);
        Written?.Invoke();
    }
}

/// <summary>A public filter of the library, named by <see cref="ArchiveInvoice"/>'s attribute.</summary>
public sealed class ArchiveFilter(LibraryJournal journal) : IHandlerFilter
{
    public async ValueTask InvokeAsync(HandlerFilterContext context, HandlerFilterDelegate next)
    {
        journal.Steps.Enqueue("archive filter>");
        await next(context);
        journal.Steps.Enqueue("<archive filter");
    }
}

/// <summary>A public handler of a marked library: the application's generated code registers it, with its filter (read
/// from the library's metadata).</summary>
[EventBusHandler(Topic = "invoices", Filters = [typeof(ArchiveFilter)])]
public sealed class ArchiveInvoice(LibraryJournal journal) : IEventHandler<InvoiceIssued>
{
    public ValueTask HandleAsync(InvoiceIssued @event, EventContext context, CancellationToken cancellationToken)
    {
        journal.Write($"archived {@event.Number}");
        return default;
    }
}
