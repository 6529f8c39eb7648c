namespace EventBus.Sqlite.Storage;

/// <summary>One forward step of the database schema: the SQL that takes it from <c>Version - 1</c> to
/// <see cref="Version"/>. Steps are never edited once released; a change is a new step.</summary>
internal sealed record SchemaMigration(int Version, string Description, string Sql);
