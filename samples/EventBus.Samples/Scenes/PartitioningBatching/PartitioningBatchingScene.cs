using System.Globalization;
using EventBus.Samples.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace EventBus.Samples.Scenes.PartitioningBatching;

/// <summary>
/// Two throughput tools of a work queue. Partitioning: workers run in parallel, yet the events of
/// one key (a user) are processed one at a time, in order. Batching: a consumer that writes in bulk
/// gets up to N items at a time, or what has arrived when the linger runs out.
/// </summary>
internal sealed class PartitioningBatchingScene : Scene<PartitioningBatchingResult>
{
    public const int Workers = 3;
    public const int MaxBatchSize = 5;
    public const int Burst = 12;
    public const int Trickle = 3;

    private static readonly string[] s_users = ["ada", "bob", "cy", "dee"];
    private static readonly string[] s_actions = ["signed in", "added to cart", "checked out", "signed out"];

    public override string Name => "partitioning-batching";

    public override string Title => "partitioning for per-key order, batching for fewer round trips";

    public override string Summary => "per-key order across parallel workers; batches of up to N or every T ms";

    public override IReadOnlyList<string> Concept =>
    [
        "Partitioning by a key (a user id) runs keys in parallel, and each key's events one at a time, in order.",
        "Batching trades a little latency for throughput: up to N items per call, or fewer when the linger runs out.",
    ];

    /// <summary>How many ticks of work one activity of a user takes: users differ, so their events interleave.</summary>
    public static int TicksFor(string userId) => userId switch
    {
        "bob" => 2,
        "dee" => 3,
        _ => 1,
    };

    /// <summary>The batch linger: long enough to see at human pace, short (but never zero) in tests.</summary>
    public static TimeSpan LingerFor(ScenePace pace)
    {
        ArgumentNullException.ThrowIfNull(pace);
        return pace.Tick == TimeSpan.Zero ? TimeSpan.FromMilliseconds(20) : pace.Tick * 10;
    }

    public override async Task<PartitioningBatchingResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var console = context.Console;

        var (activities, log) = await PartitionAsync(console, context.Pace, cancellationToken);
        var (batches, linger) = await BatchAsync(console, context.Pace, cancellationToken);

        console.KnowledgeCheck(
            "Orders of one customer must be processed in order, but one worker is too slow for all customers. What do you do?",
            "Partition by customer id: many workers, and each customer's orders go one at a time, in order, whichever worker is free. " +
            "Order is kept per key, not globally; that is what lets the keys run in parallel. And where each call has a fixed cost " +
            "(a round trip, a transaction), batch: above, " + Ui.Count(batches.Count) + " writes stored " + Ui.Count(Burst + Trickle) +
            " rows. The price is latency: a row in a partial batch waits for the linger.");

        return new PartitioningBatchingResult(activities, log.Processed, log.Overlaps, log.PeakUsers, batches, Burst + Trickle, MaxBatchSize, linger);
    }

    private static async Task<(IReadOnlyList<UserActivity> Activities, ActivityLog Log)> PartitionAsync(
        IAnsiConsole console, ScenePace pace, CancellationToken cancellationToken)
    {
        console.Heading("Partitioning: per-key order across parallel workers");
        var log = new ActivityLog();
        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(log);
            services.AddSingleton(pace);
            services.AddEventBus()
                .AddWorkQueue<UserActivity, ActivityProcessor>(static o =>
                {
                    o.WorkerCount = Workers;
                    o.PartitionBy(static activity => activity.UserId);
                });
        }, cancellationToken);

        // Round-robin over the users, as a busy site would produce them: ada#1, bob#1, cy#1, dee#1, ada#2, ...
        List<UserActivity> activities = [];
        for (var step = 1; step <= s_actions.Length; step++)
        {
            activities.AddRange(s_users.Select(user => new UserActivity(user, step, s_actions[step - 1])));
        }

        console.Say($"{s_users.Length} users, {s_actions.Length} events each ({string.Join(", ", s_actions)}), enqueued round-robin.");
        console.Say($"{Workers} workers, PartitionBy(activity => activity.UserId). bob's events take 2 ticks, dee's 3, the others' 1.");
        var queue = host.Services.GetRequiredService<IWorkQueue<UserActivity>>();
        foreach (var activity in activities)
        {
            await queue.EnqueueAsync(activity, cancellationToken);
        }

        await host.StopAsync(cancellationToken);
        var processed = log.Processed;

        var table = Ui.Table("user", "processed in this order", "places in the global order", "in order");
        foreach (var user in s_users)
        {
            var mine = processed.Where(p => p.Activity.UserId == user).ToList();
            var inOrder = mine.Select(static p => p.Activity.Step).SequenceEqual(Enumerable.Range(1, s_actions.Length));
            table.AddRow(
                Ui.Plain(user),
                Ui.Plain(string.Join(" > ", mine.Select(static p => p.Activity.Action))),
                Ui.Plain(string.Join(", ", mine.Select(static p => Ui.Count(p.Position)))),
                inOrder ? Ui.Good("yes") : Ui.Bad("NO"));
        }

        console.Write(table);
        console.Say("All users together, in the order processed:");
        console.WriteLine("  " + string.Join(" ", processed.Select(static p => p.Activity.Label)));
        console.Say($"Up to {log.PeakUsers} users were in progress at once, on different workers, yet no user ever had two events");
        console.Say($"in progress at the same time ({log.Overlaps} overlaps), so each user's events were applied in order.");
        console.Note("a worker stays with a user while that user has events waiting; a user who finds all workers busy waits.");
        console.Note("without PartitionBy, two workers could take ada#2 and ada#3 at once, and 'checked out' could land first.");
        return (activities, log);
    }

    private static async Task<(IReadOnlyList<WrittenBatch> Batches, TimeSpan Linger)> BatchAsync(
        IAnsiConsole console, ScenePace pace, CancellationToken cancellationToken)
    {
        console.Heading("Batching: up to N rows per write, or whatever arrived when the linger runs out");
        var linger = LingerFor(pace);
        var time = TimeProvider.System;
        var store = new PageViewStore(pace, time);

        // A batching queue is built directly (the DI package registers item handlers only).
        await using var queue = WorkQueue.CreateBatched<PageView>(
            store.WriteAsync,
            new WorkQueueOptions<PageView> { Name = "page-views", WorkerCount = 1, MaxBatchSize = MaxBatchSize, MaxBatchDelay = linger });

        console.Say($"WorkQueue.CreateBatched with MaxBatchSize = {MaxBatchSize} and MaxBatchDelay (the linger) = {Milliseconds(linger)}.");
        console.Say($"First a burst of {Burst} page views at once; when they are stored, a trickle of {Trickle}, one per tick.");
        var number = 0;
        for (var i = 0; i < Burst; i++)
        {
            await queue.EnqueueAsync(new PageView(++number, "/home", time.GetTimestamp()), cancellationToken);
        }

        await store.RowsWrittenAsync(Burst, cancellationToken);
        for (var i = 0; i < Trickle; i++)
        {
            await queue.EnqueueAsync(new PageView(++number, "/pricing", time.GetTimestamp()), cancellationToken);
            await pace.TickAsync(cancellationToken);
        }

        // Wait for every row before draining, so no batch below was flushed by the drain itself.
        await store.RowsWrittenAsync(Burst + Trickle, cancellationToken);
        store.Draining = true;
        await queue.CompleteAsync(cancellationToken);
        var batches = store.Batches;

        var table = Ui.Table("write", "rows", "page views", "oldest row waited", "sent because");
        foreach (var batch in batches)
        {
            table.AddRow(
                Ui.Plain(Ui.Count(batch.Number)),
                Ui.Plain(Ui.Count(batch.Size)),
                Ui.Plain(Range(batch.Items)),
                Ui.Plain(Milliseconds(batch.OldestWaited)),
                batch.DuringDrain
                    ? Ui.Warn("the queue was draining")
                    : batch.Size == MaxBatchSize ? Ui.Good($"full: {MaxBatchSize} rows") : Ui.Warn($"the linger ran out: {batch.Size} of {MaxBatchSize}"));
        }

        console.Write(table);
        console.Say($"{Burst + Trickle} rows in {batches.Count} writes instead of {Burst + Trickle}. A full batch goes at once; a partial one");
        console.Say("goes when the linger runs out (counted from when the batch began to form), so no row waits for ever.");
        return (batches, linger);
    }

    private static string Range(IReadOnlyList<int> items) =>
        items.Count == 1 ? $"#{Ui.Count(items[0])}" : $"#{Ui.Count(items[0])}-#{Ui.Count(items[^1])}";

    private static string Milliseconds(TimeSpan time) =>
        $"{time.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms";
}
