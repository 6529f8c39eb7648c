using System.Globalization;
using EventBus;
using EventBus.Sqlite;
using EventBus.Sqlite.CrashPeer;

// The crash tests' child process: the real durable work queue (SqliteWorkQueue) on a database file, killed by the
// test with SIGKILL. Every line it writes ends with " ;" so that the test can tell a whole line from one cut by the kill.
//   hold <database>                                        open the queue, say READY, wait until killed or stdin closes
//   run <database> <first number> <producers>              enqueue and handle until killed
//   drain <database>                                       handle until the file holds nothing but dead letters, then exit 0
//   retry <database> <delay seconds>                       enqueue one item whose first attempt fails, say SCHEDULED once
//                                                          the failure and its due time are committed, wait until killed
// Lines: READY <in flight at open> <redelivered> ; | E <number> ; (the enqueue returned) |
//        P <number> <producer> <failed attempts before> <redelivered 0/1> ; (the handler succeeded) |
//        SCHEDULED <message id> ; | DRAINED ;
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: hold|run|drain|retry <database> ...");
    return 2;
}

var mode = args[0];
var path = args[1];
if (mode == "retry")
{
    return await RetryAsync(path, TimeSpan.FromSeconds(double.Parse(args[2], CultureInfo.InvariantCulture)));
}

await using var queue = SqliteWorkQueue.Create<CrashItem>(
    static (item, context) =>
    {
        CrashPlan.Attempt(item, context);
        Console.Out.WriteLine($"P {item.Number} {item.Producer} {context.DeliveryAttempt - 1} {(context.Redelivered ? 1 : 0)} ;");
    },
    CrashPlan.Persistence(path),
    CrashPlan.Options());
Console.Out.WriteLine($"READY {queue.Store.Recovered.InFlight} {queue.Store.Recovered.Redelivered} ;");

switch (mode)
{
    case "hold":
        await Console.In.ReadToEndAsync();
        return 0;
    case "run":
        var next = long.Parse(args[2], CultureInfo.InvariantCulture) - 1;
        var producers = new Task[int.Parse(args[3], CultureInfo.InvariantCulture)];
        for (var p = 0; p < producers.Length; p++)
        {
            var producer = p;
            producers[p] = Task.Run(async () =>
            {
                while (true)
                {
                    var number = Interlocked.Increment(ref next);
                    await queue.EnqueueAsync(new CrashItem(number, producer));
                    Console.Out.WriteLine($"E {number} ;");
                }
            });
        }

        // Runs until killed; a producer that fails ends the peer with its exception (the test reports stderr).
        await Task.WhenAll(producers);
        return 1;
    case "drain":
        // The child polls the file; the test itself waits only on this process's exit.
        while ((await queue.Store.CountAsync()).Pending > 0)
        {
            await Task.Delay(10);
        }

        var drained = await queue.CompleteAsync();
        Console.Out.WriteLine($"DRAINED ;");
        return drained.Completed ? 0 : 1;
    default:
        Console.Error.WriteLine($"unknown mode '{mode}'");
        return 2;
}

static async Task<int> RetryAsync(string path, TimeSpan delay)
{
    var options = CrashPlan.Options();
    options.RetryPolicy = new RetryPolicy { MaxRetries = 1, BaseDelay = delay, Backoff = BackoffKind.Fixed, Jitter = 0 };
    var attempts = 0;
    await using var queue = SqliteWorkQueue.Create<CrashItem>(
        (item, context) =>
        {
            Interlocked.Increment(ref attempts);
            throw new TimeoutException($"Item {item.Number} fails its attempt {context.DeliveryAttempt} in the retry peer.");
        },
        CrashPlan.Persistence(path),
        options);
    Console.Out.WriteLine($"READY {queue.Store.Recovered.InFlight} {queue.Store.Recovered.Redelivered} ;");
    await queue.EnqueueAsync(new CrashItem(1, 0));

    // The failure's commit has no signal of its own; the child polls the store's count of committed failures.
    while (queue.Store.GetStatistics().FailedAttempts == 0)
    {
        await Task.Delay(5);
    }

    Console.Out.WriteLine($"SCHEDULED {attempts} ;");
    await Console.In.ReadToEndAsync();
    return 0;
}
