using System.Text.Json.Serialization;

namespace EventBus.Samples.Scenes.Durability;

/// <summary>The source-generated JSON metadata the durable queue writes and reads <see cref="ShipOrder"/> with (no reflection).</summary>
[JsonSerializable(typeof(ShipOrder))]
internal sealed partial class ShippingJson : JsonSerializerContext;
