using EventBus.Sqlite.Tests.Infrastructure;

namespace EventBus.Sqlite.Tests.Crash;

public sealed class OwnershipAcrossProcessesTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_second_process_cannot_open_an_owned_database_and_a_killed_owner_releases_it()
    {
        using var owner = PeerProcess.Start("hold", _db.Path);
        (await owner.ReadLineAsync()).Should().Be("READY 0 0", await owner.DescribeAsync());

        var open = () => _db.Open();
        open.Should().Throw<IOException>().WithMessage($"The queue database '{_db.Path}' is already owned by another store, in this process or another*");

        owner.Kill();
        await owner.WaitForExitAsync();

        using var database = _db.Open();
        database.LockPath.Should().Be(_db.Path + ".lock", "the system dropped the killed owner's lock");
    }

    [Fact]
    public async Task A_second_process_is_refused_while_this_one_owns_the_database()
    {
        using (_db.Open())
        {
            using var second = PeerProcess.Start("hold", _db.Path);
            (await second.ReadLineAsync()).Should().BeNull("the peer must fail to open");
            await second.WaitForExitAsync();

            second.ExitCode.Should().NotBe(0);
            second.Errors.Should().Contain("is already owned by another store, in this process or another");
        }

        using var after = PeerProcess.Start("hold", _db.Path);
        (await after.ReadLineAsync()).Should().Be("READY 0 0", await after.DescribeAsync());
        after.CloseInput();
        await after.WaitForExitAsync();
        after.ExitCode.Should().Be(0);
    }
}
