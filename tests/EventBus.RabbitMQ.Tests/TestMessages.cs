using System.Text.Json.Serialization;

namespace EventBus.RabbitMQ.Tests;

public sealed record OrderPlaced(int Number, string Customer);

public sealed record Job(int Number, bool Fail = false);

/// <summary>Source-generated metadata for every type the tests send: nothing is serialized by reflection.</summary>
[JsonSerializable(typeof(OrderPlaced))]
[JsonSerializable(typeof(Job))]
public sealed partial class TestJsonContext : JsonSerializerContext;

public static class Wire
{
    public const string OrderPlacedType = "eventbus.tests.order-placed";
    public const string JobType = "eventbus.tests.job";
    public const string OrdersTopic = "orders";
    public const string JobsTopic = "jobs";

    public static RabbitMQOptions MapTestTypes(this RabbitMQOptions options) => options
        .MapType(OrderPlacedType, 1, TestJsonContext.Default.OrderPlaced)
        .MapType(JobType, 1, TestJsonContext.Default.Job);
}
