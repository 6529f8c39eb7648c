using System.Diagnostics.CodeAnalysis;
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

        try
        {
            TypeInfo = options is not null ? (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)) : ReflectionTypeInfo();
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"No JSON metadata for {typeof(T).FullName}: add [JsonSerializable(typeof({typeof(T).Name}))] to the JsonSerializerContext " +
                "set in RabbitMQOptions.SerializerOptions, or pass its JsonTypeInfo to MapType.", ex);
        }
    }

    /// <summary>Metadata by reflection, for applications that neither trim nor compile ahead of time.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reached only when reflection-based serialization is enabled; trimmed and native AOT applications turn it off and must give SerializerOptions (a source-generated context) or a JsonTypeInfo.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "As above: reflection-based serialization is off in native AOT applications.")]
    private static JsonTypeInfo<T> ReflectionTypeInfo()
    {
        if (!JsonSerializer.IsReflectionEnabledByDefault)
        {
            throw new InvalidOperationException("Reflection-based JSON serialization is disabled in this application.");
        }

        return (JsonTypeInfo<T>)JsonSerializerOptions.Default.GetTypeInfo(typeof(T));
    }

    internal byte[] Serialize(T value) => JsonSerializer.SerializeToUtf8Bytes(value, TypeInfo!);

    internal T? Deserialize(ReadOnlySpan<byte> body) => JsonSerializer.Deserialize(body, TypeInfo!);

    internal override byte[] SerializeObject(object value) => Serialize((T)value);
}
