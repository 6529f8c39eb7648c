using System.Text.Json.Serialization;

namespace EventBus.Benchmarks.DurableQueue;

/// <summary>The item both rows store: its number within a run (checked at the consumer) and its producer.</summary>
public sealed record DurableItem(int Number, int Producer);

[JsonSerializable(typeof(DurableItem))]
internal sealed partial class DurableJson : JsonSerializerContext;
