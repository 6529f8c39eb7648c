namespace EventBus.Sqlite.Tests.Storage;

public sealed class OptionsTests
{
    [Fact]
    public void Defaults_are_full_sync_batches_of_256_a_30_s_busy_timeout_and_a_500_ms_poll()
    {
        var options = new SqliteStorageOptions();

        options.Path.Should().BeNull();
        options.Synchronous.Should().Be(SqliteSynchronousMode.Full);
        options.MaxBatchSize.Should().Be(256);
        options.BusyTimeout.Should().Be(TimeSpan.FromSeconds(30));
        options.PollInterval.Should().Be(TimeSpan.FromMilliseconds(500));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(":memory:")]
    [InlineData("file:queue.db?mode=memory")]
    public void A_path_that_is_not_a_file_is_refused_when_set(string path)
    {
        var options = new SqliteStorageOptions();

        var set = () => options.Path = path;

        set.Should().Throw<ArgumentException>();
        options.Path.Should().BeNull();
    }

    [Fact]
    public void A_null_path_is_refused_when_set()
    {
        var set = () => new SqliteStorageOptions().Path = null;

        set.Should().Throw<ArgumentNullException>();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(SqliteStorageOptions.MaxBatchSizeLimit + 1)]
    public void A_batch_size_out_of_range_is_refused_when_set(int size)
    {
        var set = () => new SqliteStorageOptions().MaxBatchSize = size;

        set.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Timeouts_out_of_range_are_refused_when_set()
    {
        var options = new SqliteStorageOptions();

        options.Invoking(o => o.BusyTimeout = TimeSpan.FromMilliseconds(-1)).Should().Throw<ArgumentOutOfRangeException>();
        options.Invoking(o => o.BusyTimeout = SqliteStorageOptions.MaxBusyTimeout + TimeSpan.FromTicks(1)).Should().Throw<ArgumentOutOfRangeException>();
        options.Invoking(o => o.PollInterval = TimeSpan.Zero).Should().Throw<ArgumentOutOfRangeException>();
        options.Invoking(o => o.PollInterval = SqliteStorageOptions.MaxPollInterval + TimeSpan.FromTicks(1)).Should().Throw<ArgumentOutOfRangeException>();
        options.Invoking(o => o.Synchronous = (SqliteSynchronousMode)7).Should().Throw<ArgumentOutOfRangeException>();

        options.BusyTimeout = TimeSpan.Zero;
        options.BusyTimeout.Should().Be(TimeSpan.Zero, "zero means: fail at the first busy answer");
    }
}
