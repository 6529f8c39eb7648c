using System.Globalization;
using System.Text;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.DurableQueue;

/// <summary>The options of <c>--durable</c>; <see cref="Usage"/> lists them with their defaults.</summary>
public sealed record DurableQueueOptions : IHarnessOptions
{
    public IReadOnlyList<int> Producers { get; init; } = [1, 8, 64];

    /// <summary>Synchronous levels, as SQLite spells them.</summary>
    public IReadOnlyList<string> Synchronous { get; init; } = ["FULL", "NORMAL"];

    /// <summary>Items per run of a row with many producers.</summary>
    public int Items { get; init; } = 4_000;

    /// <summary>Items per run of a row with one producer, which commits once per item.</summary>
    public int SingleProducerItems { get; init; } = 400;

    public int Rounds { get; init; } = 5;

    public int WarmupRounds { get; init; } = 1;

    /// <summary>Whether the diagnostic row (the raw loop with the queue's lease statements) runs too.</summary>
    public bool LeasingRow { get; init; } = true;

    /// <summary>The most operations per commit, for both rows (the queue's <c>MaxBatchSize</c>).</summary>
    public int MaxBatchSize { get; init; } = 256;

    /// <summary>Where the database files go: a disk, not tmpfs, or FULL costs nothing.</summary>
    public string DatabaseDirectory { get; init; } = Path.Combine(HarnessMode.DefaultDirectory, "durable-db");

    public string OutputDirectory { get; init; } = HarnessMode.DefaultDirectory;

    public string Name { get; init; } = "durable";

    public string? Note { get; init; }

    public int ItemsFor(int producers) => producers == 1 ? SingleProducerItems : Items;

    public static string Usage => new StringBuilder()
        .AppendLine("dotnet run -c Release --project benchmarks/EventBus.Benchmarks -- --durable [options]")
        .AppendLine()
        .AppendLine("Enqueue-to-processed throughput of EventBus's SqliteWorkQueue against a raw Microsoft.Data.Sqlite loop with the same")
        .AppendLine("table, pragmas and group commit. Every round runs every row once per producer count and level, in rotating order.")
        .AppendLine("  --producers LIST     concurrent producers, each awaiting its enqueue's commit (default 1,8,64)")
        .AppendLine("  --sync LIST          synchronous levels: full, normal (default both)")
        .AppendLine("  --items N            items per run with more than one producer (default 4000)")
        .AppendLine("  --items-single N     items per run with one producer (default 400: one commit each)")
        .AppendLine("  --rounds N           measured rounds (default 5)")
        .AppendLine("  --warmup N           unrecorded rounds first (default 1)")
        .AppendLine("  --batch N            operations per commit at most, every row (default 256, the queue's default)")
        .AppendLine("  --no-lease-row       leave out the diagnostic row: the raw loop with the queue's lease update per row")
        .AppendLine("  --db-dir DIR         where the database files go (default benchmarks/results/durable-db; not tmpfs)")
        .AppendLine("  --out DIR            output folder (default benchmarks/results, which git ignores)")
        .AppendLine("  --name NAME          file name of the report: NAME.md and NAME.json (default durable)")
        .AppendLine("  --note TEXT          a line for the report's header")
        .ToString();

    public static DurableQueueOptions Parse(IReadOnlyList<string> args)
    {
        var line = OptionReader.Parse(args,
            ["--producers", "--sync", "--items", "--items-single", "--rounds", "--warmup", "--batch", "--db-dir", "--out", "--name", "--note"], ["--no-lease-row"]);
        var d = new DurableQueueOptions();
        var levels = line.Text("--sync", string.Join(',', d.Synchronous))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(static s => s.ToUpperInvariant())
            .Distinct()
            .ToArray();
        if (levels.Length == 0 || levels.Any(static l => l is not ("FULL" or "NORMAL")))
        {
            throw new OptionException($"--sync takes full and/or normal, got '{line.Text("--sync", "")}'.");
        }

        return new DurableQueueOptions
        {
            Producers = line.Wholes("--producers", [.. d.Producers], min: 1, max: 4_096),
            Synchronous = levels,
            Items = line.Whole("--items", d.Items, min: 1),
            SingleProducerItems = line.Whole("--items-single", d.SingleProducerItems, min: 1),
            Rounds = line.Whole("--rounds", d.Rounds, min: 1),
            WarmupRounds = line.Whole("--warmup", d.WarmupRounds, min: 0),
            LeasingRow = !line.Has("--no-lease-row"),
            MaxBatchSize = line.Whole("--batch", d.MaxBatchSize, min: 1, max: 10_000),
            DatabaseDirectory = line.Text("--db-dir", d.DatabaseDirectory),
            OutputDirectory = line.Text("--out", d.OutputDirectory),
            Name = line.Text("--name", d.Name),
            Note = line.Has("--note") ? line.Text("--note", "") : null,
        };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"--producers {string.Join(',', Producers)} --sync {string.Join(',', Synchronous).ToLowerInvariant()} --items {Items} " +
        $"--items-single {SingleProducerItems} --rounds {Rounds} --warmup {WarmupRounds} --batch {MaxBatchSize}{(LeasingRow ? "" : " --no-lease-row")}");
}
