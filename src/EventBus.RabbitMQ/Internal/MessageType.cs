using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EventBus.RabbitMQ.Internal;

/// <summary>An event type as it crosses the broker: its wire name, schema version and JSON metadata.</summary>
internal abstract class MessageType(string name)
{
    internal string Name { get; set; } = name;

    internal int SchemaVersion { get; set; } = 1;

    internal abstract Type ClrType { get; }

    /// <summary>Finds the JSON metadata when none was given, so a missing one fails the start, not a message.</summary>
    internal abstract void Resolve(JsonSerializerOptions? options);

    /// <summary>Serializes an event of this type that is held as an object (a dead letter's payload).</summary>
    internal abstract byte[] SerializeObject(object value);
}

internal sealed class MessageType<T>(string name) : MessageType(name)
{
    internal JsonTypeInfo<T>? TypeInfo { get; set; }

    internal override Type ClrType => typeof(T);

    internal override void Resolve(JsonSerializerOptions? options)
    {
        if (TypeInfo is not null)
        {
            return;
        }

        var effective = options ?? JsonSerializerOptions.Default;
        try
        {
            TypeInfo = (JsonTypeInfo<T>)effective.GetTypeInfo(typeof(T));
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"No JSON metadata for {typeof(T).FullName}: add [JsonSerializable(typeof({typeof(T).Name}))] to the JsonSerializerContext " +
                "set in RabbitMQOptions.SerializerOptions, or pass its JsonTypeInfo to MapType.", ex);
        }
    }

    internal byte[] Serialize(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo!);

    internal T? Deserialize(ReadOnlySpan<byte> body) => JsonSerializer.Deserialize(body, TypeInfo!);

    internal override byte[] SerializeObject(object value) => Serialize((T)value);
}
