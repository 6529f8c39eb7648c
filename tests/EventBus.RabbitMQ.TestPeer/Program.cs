using EventBus;
using EventBus.RabbitMQ;
using EventBus.RabbitMQ.TestPeer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: EventBus.RabbitMQ.TestPeer ping <exchange> <connection env file> <instance name>
//        EventBus.RabbitMQ.TestPeer consume <exchange> <connection env file> <instance name> <queue>
// ping: answers every Ping with a Pong. consume: handles PeerJobs from a shared queue, writing "HANDLED <n>" for each
// before it is acknowledged (what a killed consumer wrote is what it handled).
// Runs as the run-time user, on a topology the test declared; prints READY once connected, and runs until its
// standard input closes, then drains and exits 0.
if (args.Length < 4 || (args[0] == "consume" && args.Length != 5) || args[0] is not ("ping" or "consume"))
{
    Console.Error.WriteLine("usage: EventBus.RabbitMQ.TestPeer ping|consume <exchange> <connection env file> <instance name> [queue]");
    return 2;
}

var (mode, exchange, envFile, instance) = (args[0], args[1], args[2], args[3]);
var settings = File.ReadAllLines(envFile)
    .Select(static line => line.Split('=', 2))
    .Where(static parts => parts.Length == 2)
    .ToDictionary(static parts => parts[0].Trim(), static parts => parts[1].Trim());

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
var bus = builder.Services.AddEventBus();
if (mode == "ping")
{
    bus.AddHandler<Ping, PingHandler>();
}

bus.AddRabbitMQ(rabbit =>
{
    rabbit.Connection.HostName = settings["EVENTBUS_RABBITMQ_HOST"];
    rabbit.Connection.Port = int.Parse(settings["EVENTBUS_RABBITMQ_PORT"], System.Globalization.CultureInfo.InvariantCulture);
    rabbit.Connection.VirtualHost = settings["EVENTBUS_RABBITMQ_VHOST"];
    rabbit.Connection.UserName = settings["EVENTBUS_RABBITMQ_USER"];
    rabbit.Connection.Password = settings["EVENTBUS_RABBITMQ_PASSWORD"];
    rabbit.Connection.NetworkRecoveryInterval = TimeSpan.FromSeconds(1);
    rabbit.ExchangeName = exchange;
    rabbit.InstanceName = instance;
    rabbit.DeclareTopology = false;
    rabbit.Source = "/eventbus-tests/peer";
    rabbit.MapPeerTypes();
    if (mode == "ping")
    {
        rabbit.Subscribe<Ping>(PeerWire.PingTopic).Publish<Pong>(PeerWire.PongTopic);
    }
    else
    {
        rabbit.Consume<PeerJob>(args[4], HandleJobAsync, PeerWire.JobTopic, queue => queue.WorkerCount = 2);
    }
});

using var host = builder.Build();
await host.StartAsync();
Console.Out.WriteLine("READY");
Console.Out.Flush();

// The test ends the peer by closing its standard input (or kills it).
await Console.In.ReadToEndAsync();
await host.StopAsync();
return 0;

static async ValueTask HandleJobAsync(PeerJob job, EventContext context, CancellationToken cancellationToken)
{
    // A held job keeps a delivery in hand, unacknowledged, for as long as the peer lives.
    if (job.Hold)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    // Slow enough that a kill lands in the middle of the stream, with more deliveries in hand.
    await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
    lock (Console.Out)
    {
        Console.Out.WriteLine($"HANDLED {job.Number} {context.Id}");
        Console.Out.Flush();
    }
}

/// <summary>Answers a ping with a pong that says what this process saw.</summary>
internal sealed class PingHandler(IEventBus bus) : IEventHandler<Ping>
{
    public ValueTask HandleAsync(Ping @event, EventContext context, CancellationToken cancellationToken)
    {
        context.Headers.TryGetValue(RabbitMQContextHeaders.MessageId, out var senderId);
        var traceId = context.TraceContext.TraceId.ToHexString();
        return bus.PublishAsync(
            new Pong(@event.Number, @event.Text, Environment.ProcessId, traceId, context.CorrelationId, senderId),
            new PublishOptions { Topic = PeerWire.PongTopic, CorrelationId = context.CorrelationId },
            cancellationToken);
    }
}
