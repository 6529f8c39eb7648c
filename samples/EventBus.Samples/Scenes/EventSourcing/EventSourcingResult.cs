using EventBus.Samples.Infrastructure;

namespace EventBus.Samples.Scenes.EventSourcing;

internal sealed record EventSourcingResult(
    IReadOnlyList<StoredEvent> Log,
    IReadOnlyList<CommandOutcome> Outcomes,
    IReadOnlyList<AccountSummary> Live,
    IReadOnlyList<AccountSummary> Rebuilt,
    IReadOnlyDictionary<long, string> Upcasts,
    IReadOnlyList<StatementLine> Statement,
    BusReport Bus) : SceneResult
{
    public bool ModelsMatch => Live.SequenceEqual(Rebuilt);

    public override string Outcome =>
        $"{Log.Count} events in the log ({Upcasts.Count} upcast from v1); {Outcomes.Count(o => !o.Accepted)} commands refused; " +
        $"live read model {(ModelsMatch ? "equals" : "DIFFERS FROM")} the rebuilt one";
}
