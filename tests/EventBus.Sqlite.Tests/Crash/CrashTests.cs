using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EventBus.Sqlite.CrashPeer;
using EventBus.Sqlite.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EventBus.Sqlite.Tests.Crash;

/// <summary>
/// A child process enqueues (4 producers) and handles (2 workers, retries, poison items, partition keys) against a
/// database file, and is killed with SIGKILL at a random point, round after round. After a restart that drains
/// the queue, every enqueue that had returned before a kill has been handled (or dead-lettered, if poison),
/// duplicates are at most the items that were in flight at the kills, and the tables hold only dead letters.
/// The seeds are printed; set EVENTBUS_CRASH_SEED to replay a run's choices.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 24;

    // Bounds on one child process, far above what a round takes (about a second), so that a peer that runs away
    // (a store that acknowledges too early floods the queue) fails the test instead of stalling it.
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan s_drainLimit = TimeSpan.FromMinutes(2);
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Killed_peers_lose_no_acknowledged_enqueue_and_duplicate_at_most_what_was_in_flight()
    {
        var seed = Environment.GetEnvironmentVariable("EVENTBUS_CRASH_SEED") is { Length: > 0 } fixedSeed
            ? int.Parse(fixedSeed, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        output.WriteLine($"crash test seed {seed} (replay with EVENTBUS_CRASH_SEED={seed})");
        var random = new Random(seed);
        var ledger = new CrashLedger();
        var checks = 0;

        for (var round = 1; round <= Rounds; round++)
        {
            var roundSeed = random.Next();
            var roundRandom = new Random(roundSeed);
            var killAfter = roundRandom.Next(0, 400);
            var enqueuedBefore = ledger.Enqueued;
            var (ready, lines) = await RunUntilKilledAsync(round, killAfter, ledger);
            output.WriteLine(
                $"round {round,2} seed {roundSeed,10}: killed after {killAfter,3} lines ({lines} read), started with {ready}, " +
                $"enqueues returned {ledger.Enqueued - enqueuedBefore}");

            if (round == Rounds || roundRandom.Next(2) == 0)
            {
                await DrainAndCheckAsync(ledger, $"after round {round} (seed {seed}, round seed {roundSeed})");
                checks++;
            }
        }

        output.WriteLine(
            $"total: {ledger.Enqueued} enqueues returned, {ledger.Handled} items handled, {ledger.Duplicates} duplicate handlings, " +
            $"{ledger.Redelivered} redelivered at restarts, {checks} drains checked");
        ledger.Enqueued.Should().BeGreaterThan(Rounds, "the peers did work between the kills");
    }

    private async Task<(string Ready, int Lines)> RunUntilKilledAsync(int round, int killAfter, CrashLedger ledger)
    {
        using var peer = PeerProcess.Start("run", _db.Path, (round * 1_000_000L).ToString(CultureInfo.InvariantCulture), "4");
        var ready = string.Empty;
        var sinceReady = -1;
        var lines = 0;
        var killed = false;
        var started = Stopwatch.StartNew();
        while (await peer.ReadLineAsync() is { } line)
        {
            started.Elapsed.Should().BeLessThan(s_runLimit, "a round reaches its kill point within the limit");
            lines++;
            ledger.Record(line).Should().BeTrue($"'{line}' is a line of the protocol");
            if (line.StartsWith("READY", StringComparison.Ordinal))
            {
                ready = line;
                sinceReady = 0;
                long.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture).Should().BeLessThanOrEqualTo(
                    CrashPlan.Capacity + CrashPlan.Workers, "the queue leases at most its buffer plus its workers, which bounds what a kill can leave in flight");
            }
            else if (sinceReady >= 0)
            {
                sinceReady++;
            }

            if (!killed && sinceReady >= killAfter)
            {
                peer.Kill();
                killed = true;
            }
        }

        await peer.WaitForExitAsync();
        killed.Should().BeTrue($"the peer must run until killed, but {await peer.DescribeAsync()}");
        return (ready, lines);
    }

    private async Task DrainAndCheckAsync(CrashLedger ledger, string when)
    {
        using (var peer = PeerProcess.Start("drain", _db.Path))
        {
            var drained = false;
            var started = Stopwatch.StartNew();
            while (await peer.ReadLineAsync() is { } line)
            {
                started.Elapsed.Should().BeLessThan(s_drainLimit, $"a drain finishes within the limit {when}");
                ledger.Record(line).Should().BeTrue($"'{line}' is a line of the protocol");
                drained |= line == "DRAINED";
            }

            await peer.WaitForExitAsync();
            drained.Should().BeTrue(await peer.DescribeAsync());
            peer.ExitCode.Should().Be(0, await peer.DescribeAsync());
        }

        _db.Scalar("SELECT COUNT(*) FROM eventbus_items").Should().Be(0, $"the drain left no row {when}");
        var deadLetters = ReadDeadLetterNumbers();
        deadLetters.Should().OnlyHaveUniqueItems($"each poison item is dead-lettered once {when}");
        ledger.CheckAfterDrain(deadLetters).Should().BeEmpty(when);
    }

    private List<long> ReadDeadLetterNumbers()
    {
        using var connection = _db.Connect();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT payload, reason FROM eventbus_dead_letters";
        using var reader = read.ExecuteReader();
        var numbers = new List<long>();
        while (reader.Read())
        {
            reader.GetString(1).Should().Be(SqliteDeadLetterReasons.HandlerFailed);
            numbers.Add(JsonSerializer.Deserialize(reader.GetFieldValue<byte[]>(0), CrashJson.Default.CrashItem)!.Number);
        }

        return numbers;
    }
}
