using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EventBus.Sqlite.Storage;

namespace EventBus.Sqlite;

/// <summary>
/// The persistence of one durable work queue: the database file its items live in, how they are written
/// (System.Text.Json through source-generated metadata, stamped with a schema version) and their partition key.
/// The queue's behaviour (workers, buffer, retries, drain) comes from the same <see cref="WorkQueueOptions{T}"/>
/// an in-memory <see cref="WorkQueue{T}"/> takes. Values are read once, when the queue is created.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>
/// <code>
/// var persistence = new SqliteQueueOptions&lt;ChargeCard&gt;(ShopJson.Default.ChargeCard)
/// {
///     Storage = { Path = "/var/lib/shop/queues.db" },
/// }.PartitionBy(static charge =&gt; charge.AccountId);
/// </code>
/// </remarks>
public sealed class SqliteQueueOptions<T>
{
    /// <summary>Creates the persistence settings of a queue of <typeparamref name="T"/>.</summary>
    /// <param name="typeInfo">The JSON metadata of <typeparamref name="T"/>, from a source-generated
    /// <c>JsonSerializerContext</c> (no reflection: trimming- and native-AOT-safe). Items are written and read with it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="typeInfo"/> is null.</exception>
    public SqliteQueueOptions(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        TypeInfo = typeInfo;
    }

    /// <summary>The JSON metadata items are written and read with.</summary>
    public JsonTypeInfo<T> TypeInfo { get; }

    /// <summary>The database file and how hard commits go to the disk. <see cref="SqliteStorageOptions.Path"/> must be
    /// set. Queues of one process may share a file (rows carry the queue's name) when they give it the same settings.</summary>
    /// <value>The default is a new <see cref="SqliteStorageOptions"/> (no path: it must be set).</value>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public SqliteStorageOptions Storage
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Storage));
            field = value;
        }
    } = new();

    /// <summary>The version of <typeparamref name="T"/>'s stored shape, written with every item. Raise it when the
    /// shape changes in a way old rows cannot be read as (a renamed property), and give an <see cref="Upcaster"/>; rows
    /// written with a newer version than this are never guessed at: they are dead-lettered
    /// (<see cref="SqliteDeadLetterReasons.UnsupportedSchemaVersion"/>).</summary>
    /// <value>The default is 1.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int SchemaVersion
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(SchemaVersion));
            field = value;
        }
    } = 1;

    /// <summary>Reads a row written with an older <see cref="SchemaVersion"/>: it gets the row's version and its JSON
    /// and returns the item in today's shape. Without one, older rows are read as today's shape (which suits added
    /// properties). A throw or a null result dead-letters the row (<see cref="SqliteDeadLetterReasons.UpcastFailed"/>).</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public Func<int, JsonElement, T>? Upcaster { get; set; }

    /// <summary>True when <see cref="PartitionBy"/> was called.</summary>
    public bool IsPartitioned => PartitionKey is not null;

    internal Func<T, string?>? PartitionKey { get; private set; }

    /// <summary>
    /// Gives items a partition key: items with the same key are handled one at a time, in the order their enqueues
    /// committed, across retries, crashes and restarts (an item of a key is not handed out while an earlier item of
    /// that key is in flight or waiting for its retry); items with different keys run in parallel.
    /// </summary>
    /// <param name="keySelector">Returns an item's key, or <see langword="null"/> for an item without one (handed out in
    /// enqueue order, with no wait behind anything). It runs on the producer's thread inside the enqueue; an exception it
    /// throws reaches the producer and the item is not stored. The key is stored with the item, so it must not depend on
    /// state that changes between runs (no hash codes: string hashes differ from one process to the next).</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="keySelector"/> is null.</exception>
    public SqliteQueueOptions<T> PartitionBy(Func<T, string?> keySelector)
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        PartitionKey = keySelector;
        return this;
    }

    internal DurableItemFormat<T> CreateFormat() =>
        new(TypeInfo, SchemaVersion, Upcaster is { } upcaster ? new DurableUpcaster<T>(upcaster) : null);
}
