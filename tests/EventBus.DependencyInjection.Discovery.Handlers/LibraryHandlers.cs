using System.Collections.Concurrent;

[assembly: EventBus.EventBusHandlerAssembly]

namespace EventBus.DependencyInjection.Discovery.Handlers;

/// <summary>An event published by the application and handled by this library.</summary>
public sealed record InvoiceIssued(int Number);

/// <summary>What the library's handlers saw, shared through the container.</summary>
public sealed class LibraryJournal
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public event Action? Written;

    public void Write(string entry)
    {
        Entries.Enqueue(entry);
        Written?.Invoke();
    }
}

/// <summary>A public handler of a marked library: the application's generated code registers it.</summary>
[EventBusHandler(Topic = "invoices")]
public sealed class ArchiveInvoice(LibraryJournal journal) : IEventHandler<InvoiceIssued>
{
    public ValueTask HandleAsync(InvoiceIssued @event, EventContext context, CancellationToken cancellationToken)
    {
        journal.Write($"archived {@event.Number}");
        return default;
    }
}
