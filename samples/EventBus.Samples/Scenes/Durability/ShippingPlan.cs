using EventBus.Sqlite;

namespace EventBus.Samples.Scenes.Durability;

/// <summary>
/// What the shop's worker process does, fixed up front so that the scene and its test can say in advance what the
/// file holds at the kill: two workers ship the orders in enqueue order until orders 5 and 6 hang, and the buffer,
/// two deep, then holds 7 and 8. Nothing else can start, so the kill finds the same state on every machine.
/// </summary>
internal static class ShippingPlan
{
    /// <summary>The first argument that makes the demo program run as the worker process instead of the course.</summary>
    public const string WorkerCommand = "--durability-worker";

    public const int Workers = 2;

    /// <summary>The queue's buffer: items taken from the file and waiting for a worker.</summary>
    public const int Capacity = 2;

    /// <summary>Its parcel is handed to the courier, and then the worker hangs: the crash comes before it reports back.</summary>
    public const int StuckAfterShipping = 5;

    /// <summary>Its worker hangs waiting for the courier, before anything was shipped.</summary>
    public const int StuckBeforeShipping = 6;

    /// <summary>The queue's name: its rows in the file carry it. <c>AddWorkQueue</c> names an unnamed queue after its item type.</summary>
    public const string QueueName = nameof(ShipOrder);

    public static IReadOnlyList<ShipOrder> Orders { get; } =
    [
        new(1, "Ada"),
        new(2, "Bob"),
        new(3, "Cy"),
        new(4, "Dee"),
        new(StuckAfterShipping, "Eve"),
        new(StuckBeforeShipping, "Fay"),
        new(7, "Gus"),
        new(8, "Hal"),
        new(9, "Ivy"),
        new(10, "Jo"),
    ];

    /// <summary>The most items the queue takes from the file at once (its buffer and its workers): the most a crash can redeliver.</summary>
    public static int MostInFlight => Capacity + Workers;

    /// <summary>True when, in the first run, the order's worker hangs (before or after shipping it).</summary>
    public static bool Hangs(int order) => order is StuckAfterShipping or StuckBeforeShipping;

    public static SqliteQueueOptions<ShipOrder> Persistence(string path) =>
        new(ShippingJson.Default.ShipOrder) { Storage = { Path = path } };
}
