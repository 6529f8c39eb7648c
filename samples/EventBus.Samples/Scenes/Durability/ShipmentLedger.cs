using Microsoft.Data.Sqlite;

namespace EventBus.Samples.Scenes.Durability;

/// <summary>
/// The shop's own record of what it handed to the courier: a table of its own in the same file as the queue, keyed by
/// the item's message id (the same on every delivery of an item, across crashes). The worker checks it when an item
/// comes back redelivered, so that a parcel shipped just before a crash is not shipped again.
/// </summary>
/// <remarks>It uses a connection of its own: the queue owns the file's queue tables, and the application may still
/// keep its tables in the same file. Each write is a short transaction of its own.</remarks>
internal sealed class ShipmentLedger : IDisposable
{
    public const string Table = "shipments";

    private readonly Lock _lock = new();
    private readonly SqliteConnection _connection;

    public ShipmentLedger(string path)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode = WAL");
        Execute($"CREATE TABLE IF NOT EXISTS {Table} (message_id TEXT PRIMARY KEY, order_number INTEGER NOT NULL, run INTEGER NOT NULL)");
    }

    public bool HasShipped(Guid messageId)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM {Table} WHERE message_id = $id";
            command.Parameters.AddWithValue("$id", messageId.ToString("D"));
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
        }
    }

    /// <summary>Records a shipment. A second shipment of one message id fails on the primary key: the check must come first.</summary>
    public void Record(Guid messageId, int order, int run)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"INSERT INTO {Table} (message_id, order_number, run) VALUES ($id, $order, $run)";
            command.Parameters.AddWithValue("$id", messageId.ToString("D"));
            command.Parameters.AddWithValue("$order", order);
            command.Parameters.AddWithValue("$run", run);
            command.ExecuteNonQuery();
        }
    }

    public void Dispose() => _connection.Dispose();

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
