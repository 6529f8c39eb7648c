using EventBus.Sqlite.Storage;
using EventBus.Sqlite.Tests.Infrastructure;

namespace EventBus.Sqlite.Tests.Storage;

public sealed class UnreadableRowTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Theory]
    [InlineData("{\"Number\": 2, \"Text\":", 1, SqliteDeadLetterReasons.DeserializationFailed, "The payload cannot be read as TestJob*")]
    [InlineData("{\"Number\": \"two\"}", 1, SqliteDeadLetterReasons.DeserializationFailed, "The payload cannot be read as TestJob*")]
    [InlineData("null", 1, SqliteDeadLetterReasons.DeserializationFailed, "The payload is JSON null*")]
    [InlineData("{\"Number\": 2}", 5, SqliteDeadLetterReasons.UnsupportedSchemaVersion, "The row has schema version 5, newer than version 1*")]
    public async Task An_unreadable_row_is_dead_lettered_with_the_reason_and_the_rows_after_it_are_handed_out(
        string payload, int schemaVersion, string reason, string detail)
    {
        await using var database = _db.Open();
        var jobs = TempDatabase.Jobs(database);
        await jobs.EnqueueAsync(1);
        InsertRaw(payload, schemaVersion);
        await jobs.EnqueueAsync(3);

        var claimed = await jobs.ClaimAsync(2);

        claimed.Numbers().Should().Equal([1, 3], "the bad row is skipped, not counted against the claim");
        var letter = (await jobs.ReadDeadLettersAsync()).Should().ContainSingle().Subject;
        letter.Reason.Should().Be(reason);
        letter.ExceptionMessage.Should().Match(detail);
        letter.Attempts.Should().Be(0, "no handler saw it");
        letter.SchemaVersion.Should().Be(schemaVersion);
        System.Text.Encoding.UTF8.GetString(letter.Payload).Should().Be(payload, "the row is kept as it was, to be fixed and re-driven");
        jobs.GetStatistics().Unreadable.Should().Be(1);
        jobs.LeasedCount.Should().Be(2);
    }

    [Fact]
    public async Task A_row_of_an_older_schema_version_goes_through_the_upcaster()
    {
        await using (var v1 = _db.Open())
        {
            await TempDatabase.Jobs(v1).EnqueueAsync(new TestJob(1, "written by v1"));
        }

        await using var database = _db.Open();
        var seen = new List<int>();
        var jobs = database.OpenQueue("jobs", new DurableItemFormat<TestJobV2>(
            TestJson.Default.TestJobV2,
            schemaVersion: 2,
            upcaster: (version, json) =>
            {
                seen.Add(version);
                return new TestJobV2(json.GetProperty("Number").GetInt32(), json.GetProperty("Text").GetString()!);
            }));
        await jobs.EnqueueAsync(new TestJobV2(2, "written by v2"));

        var items = await jobs.ClaimAsync(10);

        items.Select(i => i.Item).Should().Equal(new TestJobV2(1, "written by v1"), new TestJobV2(2, "written by v2"));
        items.Select(i => i.StoredSchemaVersion).Should().Equal(1, 2);
        seen.Should().Equal([1], "only the old row is upcast");
    }

    [Fact]
    public async Task Without_an_upcaster_an_older_row_is_read_as_the_current_shape()
    {
        await using (var v1 = _db.Open())
        {
            await TempDatabase.Jobs(v1).EnqueueAsync(new TestJob(1, "old"));
        }

        await using var database = _db.Open();
        var jobs = database.OpenQueue("jobs", new DurableItemFormat<TestJobV2>(TestJson.Default.TestJobV2, schemaVersion: 2));

        var item = (await jobs.ClaimAsync(1)).Should().ContainSingle().Subject;

        item.Item.Number.Should().Be(1);
        item.Item.Title.Should().BeNull("a property the old shape did not have takes its default");
    }

    [Fact]
    public async Task An_upcaster_that_throws_dead_letters_the_row()
    {
        await using (var v1 = _db.Open())
        {
            await TempDatabase.Jobs(v1).EnqueueAsync(1, 2);
        }

        await using var database = _db.Open();
        var jobs = database.OpenQueue("jobs", new DurableItemFormat<TestJobV2>(
            TestJson.Default.TestJobV2,
            schemaVersion: 2,
            upcaster: (_, json) => json.GetProperty("Number").GetInt32() == 1
                ? throw new FormatException("cannot map job 1")
                : new TestJobV2(2, "mapped")));

        (await jobs.ClaimAsync(10)).Select(i => i.Item.Number).Should().Equal(2);

        var letter = (await jobs.ReadDeadLettersAsync()).Should().ContainSingle().Subject;
        letter.Reason.Should().Be(SqliteDeadLetterReasons.UpcastFailed);
        letter.ExceptionType.Should().Be("System.FormatException");
        letter.ExceptionMessage.Should().Be("Upcasting schema version 1 to 2 failed: cannot map job 1");
    }

    [Fact]
    public async Task A_fixed_reader_takes_a_redriven_unreadable_row()
    {
        await using (var database = _db.Open())
        {
            var jobs = TempDatabase.Jobs(database);
            InsertRaw("{\"Number\": 9, \"Text\": \"from v3\"}", 3);
            (await jobs.ClaimAsync(1)).Should().BeEmpty();
            (await jobs.ReadDeadLettersAsync()).Should().ContainSingle();
        }

        // The application is upgraded to know version 3, and the letter is re-driven.
        await using var upgraded = _db.Open();
        var v3 = upgraded.OpenQueue("jobs", new DurableItemFormat<TestJob>(TestJson.Default.TestJob, schemaVersion: 3));
        (await v3.RedriveDeadLettersAsync()).Should().Be(1);

        (await v3.ClaimAsync(1)).Select(i => i.Item).Should().Equal(new TestJob(9, "from v3"));
    }

    [Fact]
    public void A_format_needs_type_metadata_and_a_version_of_at_least_1()
    {
        var noInfo = () => new DurableItemFormat<TestJob>(null!);
        var version0 = () => new DurableItemFormat<TestJob>(TestJson.Default.TestJob, schemaVersion: 0);

        noInfo.Should().Throw<ArgumentNullException>();
        version0.Should().Throw<ArgumentOutOfRangeException>();
    }

    private void InsertRaw(string payload, int schemaVersion)
    {
        using var connection = _db.Connect();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO eventbus_items (queue, message_id, schema_version, payload, enqueued_at, due_at)
            VALUES ('jobs', $id, $version, $payload, 0, 0)
            """;
        insert.Parameters.AddWithValue("$id", Guid.CreateVersion7().ToString());
        insert.Parameters.AddWithValue("$version", schemaVersion);
        insert.Parameters.AddWithValue("$payload", System.Text.Encoding.UTF8.GetBytes(payload));
        insert.ExecuteNonQuery();
    }
}
