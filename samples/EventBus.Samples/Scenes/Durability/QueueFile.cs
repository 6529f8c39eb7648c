using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace EventBus.Samples.Scenes.Durability;

/// <summary>
/// The scene's look into the database file, the way an operator's tool would: a read-only connection of its own,
/// which the owning process does not notice (WAL lets readers and the writer work side by side). It reads the queue's
/// documented table, <c>eventbus_items</c>, and the shop's ledger.
/// </summary>
internal sealed class QueueFile(string path)
{
    public string Path { get; } = path;

    /// <summary>The queue's rows, oldest first.</summary>
    public IReadOnlyList<QueueRow> ReadQueue()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload, message_id, leased, attempts, redeliveries FROM eventbus_items WHERE queue = $queue ORDER BY id";
        command.Parameters.AddWithValue("$queue", ShippingPlan.QueueName);
        using var reader = command.ExecuteReader();
        var rows = new List<QueueRow>();
        while (reader.Read())
        {
            var order = JsonSerializer.Deserialize((byte[])reader.GetValue(0), ShippingJson.Default.ShipOrder)
                ?? throw new InvalidDataException("A queue row holds JSON null.");
            rows.Add(new QueueRow(order.Number, Guid.Parse(reader.GetString(1), CultureInfo.InvariantCulture), reader.GetInt64(2) == 1,
                reader.GetInt32(3), reader.GetInt32(4)));
        }

        return rows;
    }

    /// <summary>The ledger's shipments, by order.</summary>
    public IReadOnlyList<Shipment> ReadShipments()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT order_number, message_id, run FROM {ShipmentLedger.Table} ORDER BY order_number, run";
        using var reader = command.ExecuteReader();
        var rows = new List<Shipment>();
        while (reader.Read())
        {
            rows.Add(new Shipment(reader.GetInt32(0), Guid.Parse(reader.GetString(1), CultureInfo.InvariantCulture), reader.GetInt32(2)));
        }

        return rows;
    }

    /// <summary>
    /// Reads the queue's rows until <paramref name="settled"/> holds. The owner commits its outcomes on a writer thread
    /// of its own, a moment after the handler returned, and tells no other process: the file is the only witness, so
    /// this looks again every few milliseconds. The result does not depend on how long that takes.
    /// </summary>
    /// <exception cref="TimeoutException">The rows did not settle within a minute.</exception>
    public async Task<IReadOnlyList<QueueRow>> ReadQueueWhenAsync(Func<IReadOnlyList<QueueRow>, bool> settled, string what, CancellationToken cancellationToken)
    {
        var patience = TimeSpan.FromSeconds(60);
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var rows = ReadQueue();
            if (settled(rows))
            {
                return rows;
            }

            if (TimeProvider.System.GetElapsedTime(started) > patience)
            {
                throw new TimeoutException(
                    $"The queue's rows did not come to {what} within {patience.TotalSeconds} s; they are: " +
                    string.Join(", ", rows.Select(static r => $"{r.Order}{(r.Leased ? " (leased)" : "")}")));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }
}
