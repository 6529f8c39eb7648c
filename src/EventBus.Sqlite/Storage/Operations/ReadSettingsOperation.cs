namespace EventBus.Sqlite.Storage.Operations;

/// <summary>Reads the writer connection's journal mode and synchronous setting (they are per connection, so only
/// the writer can tell).</summary>
internal sealed class ReadSettingsOperation : StoreOperation<(string JournalMode, int Synchronous)>
{
    private (string, int) _settings;

    internal override bool Writes => false;

    internal override void Execute(StoreSession session)
    {
        var connection = session.Commands.Begin.Connection!;
        using var journal = connection.CreateCommand();
        journal.CommandText = "PRAGMA journal_mode";
        using var synchronous = connection.CreateCommand();
        synchronous.CommandText = "PRAGMA synchronous";
        _settings = ((string)journal.ExecuteScalar()!, Convert.ToInt32(synchronous.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    protected override (string JournalMode, int Synchronous) Commit() => _settings;
}
