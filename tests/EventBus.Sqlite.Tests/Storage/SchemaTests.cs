using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.Infrastructure;

namespace EventBus.Sqlite.Tests.Storage;

public sealed class SchemaTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void A_new_database_records_every_step_up_to_the_current_version()
    {
        using var database = _db.Open();

        database.SchemaVersions.Should().Be((0, DatabaseSchema.CurrentVersion));
        _db.Scalar("SELECT MAX(version) FROM eventbus_schema").Should().Be(DatabaseSchema.CurrentVersion);
        _db.Scalar("SELECT COUNT(*) FROM eventbus_schema").Should().Be(DatabaseSchema.Migrations.Count);
    }

    [Fact]
    public void Forward_migrations_apply_only_the_steps_a_database_is_missing()
    {
        using (var first = _db.Open())
        {
            first.SchemaVersions.To.Should().Be(1);
        }

        SchemaMigration[] withStep2 =
        [
            .. DatabaseSchema.Migrations,
            new(2, "a test column", "ALTER TABLE eventbus_items ADD COLUMN test_note TEXT"),
        ];
        using (var second = _db.Open(migrations: withStep2))
        {
            second.SchemaVersions.Should().Be((1, 2));
        }

        _db.Scalar("SELECT COUNT(*) FROM pragma_table_info('eventbus_items') WHERE name = 'test_note'").Should().Be(1);
        _db.Scalar("SELECT COUNT(*) FROM eventbus_schema").Should().Be(2);

        // Opening again applies nothing (an ALTER TABLE run twice would fail).
        using var third = _db.Open(migrations: withStep2);
        third.SchemaVersions.Should().Be((2, 2));
    }

    [Fact]
    public void A_failed_step_leaves_the_database_at_its_previous_version()
    {
        using (_db.Open())
        {
        }

        SchemaMigration[] broken =
        [
            .. DatabaseSchema.Migrations,
            new(2, "adds a column", "ALTER TABLE eventbus_items ADD COLUMN half_done TEXT"),
            new(3, "broken", "THIS IS NOT SQL"),
        ];

        var open = () => _db.Open(migrations: broken);

        open.Should().Throw<InvalidOperationException>()
            .WithMessage("Migrating the queue database '*' to schema version 3 (broken) failed; it stays at version 1.");
        _db.Scalar("SELECT MAX(version) FROM eventbus_schema").Should().Be(1);
        _db.Scalar("SELECT COUNT(*) FROM pragma_table_info('eventbus_items') WHERE name = 'half_done'").Should().Be(0, "step 2 was rolled back with step 3");
        using var reopened = _db.Open();
        reopened.SchemaVersions.Should().Be((1, 1), "the refused open released the file");
    }

    [Fact]
    public void A_database_newer_than_this_release_is_refused()
    {
        using (_db.Open())
        {
        }

        _db.Execute("INSERT INTO eventbus_schema (version, description, applied_at) VALUES (99, 'from the future', 0)");

        var open = () => _db.Open();

        open.Should().Throw<InvalidOperationException>()
            .WithMessage($"The queue database '{_db.Path}' has schema version 99, newer than version {DatabaseSchema.CurrentVersion}*written by a newer release*");
    }
}
