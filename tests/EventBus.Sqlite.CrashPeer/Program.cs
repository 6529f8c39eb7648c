using EventBus.Sqlite;
using EventBus.Sqlite.CrashPeer;
using EventBus.Sqlite.Storage;

// The crash tests' child process. Every line it writes ends with " ;" so that the test can tell a whole line from
// one cut by the kill.
//   hold <database>                                  open, say READY, wait until killed or stdin closes
//   run <database> <first number> <producers> <workers>   enqueue and handle until killed
//   drain <database> <workers>                       handle until the queue is empty, then exit 0
// Lines: READY <in flight at open> <redelivered> ; | E <number> ; (the enqueue returned) |
//        P <number> <producer> <attempts> <redelivered 0/1> ; (the handler succeeded) | DRAINED ;
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: hold|run|drain <database> ...");
    return 2;
}

var mode = args[0];
var options = new SqliteStorageOptions { Path = args[1] };
await using var database = SqliteQueueDatabase.Open(options);
var queue = database.OpenQueue(CrashPlan.QueueName, CrashPlan.Format);
Console.Out.WriteLine($"READY {queue.Recovered.InFlight} {queue.Recovered.Redelivered} ;");

if (mode == "hold")
{
    await Console.In.ReadToEndAsync();
    return 0;
}

var workers = int.Parse(args[mode == "run" ? 4 : 2], System.Globalization.CultureInfo.InvariantCulture);
await using var driver = new StoreTestDriver<CrashItem>(
    queue,
    static item =>
    {
        CrashPlan.Attempt(item);
        Console.Out.WriteLine($"P {item.Item.Number} {item.Item.Producer} {item.Attempts} {(item.Redelivered ? 1 : 0)} ;");
        return ValueTask.CompletedTask;
    },
    workers,
    capacity: 32,
    CrashPlan.MaxAttempts,
    CrashPlan.RetryDelay,
    CrashPlan.Placement,
    TimeProvider.System);

if (mode == "run")
{
    var next = long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) - 1;
    var producers = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
    var tasks = new Task[producers];
    for (var p = 0; p < producers; p++)
    {
        var producer = p;
        tasks[p] = Task.Run(async () =>
        {
            while (true)
            {
                var number = Interlocked.Increment(ref next);
                await queue.EnqueueAsync(new CrashItem(number, producer), CrashPlan.PartitionKey(number, producer));
                Console.Out.WriteLine($"E {number} ;");
            }
        });
    }

    // Runs until killed; a producer that fails ends the peer with its exception (the test reports stderr).
    await Task.WhenAny(Task.WhenAll(tasks), driver.Faulted);
    await Task.WhenAll(tasks);
    await driver.Faulted;
    return 1;
}

if (mode == "drain")
{
    while ((await queue.CountAsync()).Pending > 0)
    {
        if (driver.Faulted.IsCompleted)
        {
            await driver.Faulted;
        }

        // The child polls the count; the test itself waits only on this process's exit.
        await Task.Delay(10);
    }

    Console.Out.WriteLine("DRAINED ;");
    return 0;
}

Console.Error.WriteLine($"unknown mode '{mode}'");
return 2;
