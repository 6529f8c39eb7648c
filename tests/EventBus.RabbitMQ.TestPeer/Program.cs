using EventBus;
using EventBus.RabbitMQ;
using EventBus.RabbitMQ.TestPeer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage: EventBus.RabbitMQ.TestPeer <exchange> <connection env file>
// Prints READY once the bridge is connected, answers pings until its standard input closes, then drains and exits 0.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: EventBus.RabbitMQ.TestPeer <exchange> <connection env file>");
    return 2;
}

var settings = File.ReadAllLines(args[1])
    .Select(static line => line.Split('=', 2))
    .Where(static parts => parts.Length == 2)
    .ToDictionary(static parts => parts[0].Trim(), static parts => parts[1].Trim());

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Services.AddEventBus()
    .AddHandler<Ping, PingHandler>()
    .AddRabbitMQ(rabbit =>
    {
        rabbit.Connection.HostName = settings["EVENTBUS_RABBITMQ_HOST"];
        rabbit.Connection.Port = int.Parse(settings["EVENTBUS_RABBITMQ_PORT"], System.Globalization.CultureInfo.InvariantCulture);
        rabbit.Connection.VirtualHost = settings["EVENTBUS_RABBITMQ_VHOST"];
        rabbit.Connection.UserName = settings["EVENTBUS_RABBITMQ_USER"];
        rabbit.Connection.Password = settings["EVENTBUS_RABBITMQ_PASSWORD"];
        rabbit.ExchangeName = args[0];
        rabbit.Source = "/eventbus-tests/peer";
        rabbit.MapPeerTypes()
            .Subscribe<Ping>(PeerWire.PingTopic)
            .Publish<Pong>(PeerWire.PongTopic);
    });

using var host = builder.Build();
await host.StartAsync();
Console.Out.WriteLine("READY");
Console.Out.Flush();

// The test ends the peer by closing its standard input.
await Console.In.ReadToEndAsync();
await host.StopAsync();
return 0;

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
