using System.Text;
using EventBus.RabbitMQ.Tests.Infrastructure;
using EventBus.Tests.TestUtilities;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Xunit.Abstractions;

namespace EventBus.RabbitMQ.Tests;

/// <summary>What a sender can make a receiver believe, and what it cannot.</summary>
public sealed class ForgedHeaderTests(BrokerFixture broker, ITestOutputHelper output) : BrokerTest(broker)
{
    private static readonly byte[] s_order = Encoding.UTF8.GetBytes("""{"Number":1,"Customer":"c"}""");

    [Fact]
    public async Task The_bridges_own_headers_come_from_the_delivery_and_the_broker_never_from_the_sender()
    {
        var ledger = new DeliveryLedger<string>();
        var seen = new Recorder<(string Id, EventContext Context)>(2);
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Subscribe<OrderPlaced>(Wire.OrdersTopic));
        b.Bus().Subscribe<OrderPlaced>((_, context) =>
        {
            var id = context.Headers[RabbitMQContextHeaders.MessageId];
            ledger.Handled(id);
            seen.Record((id, context));
        });

        // A foreign producer claims a redelivery, another source, another user and another route.
        ledger.Sent("forged");
        await Broker.PublishRawAsync(Exchange, Wire.OrdersTopic, s_order, new BasicProperties
        {
            MessageId = "forged",
            Type = Wire.OrderPlacedType,
            ContentType = "application/json",
            UserId = Broker.Settings.DeployUser, // its own user: the broker lets that through
            Headers = new Dictionary<string, object?>
            {
                [RabbitMQHeaders.Source] = "/claimed-source",
                [RabbitMQHeaders.Time] = "2026-12-01T10:00:00+01:00",
                [RabbitMQHeaders.HeaderPrefix + RabbitMQContextHeaders.Redelivered] = "true",
                [RabbitMQHeaders.HeaderPrefix + RabbitMQContextHeaders.UserId] = "admin",
                [RabbitMQHeaders.HeaderPrefix + RabbitMQContextHeaders.Source] = "/forged-source",
                [RabbitMQHeaders.HeaderPrefix + RabbitMQContextHeaders.RoutingKey] = "payments",
                [RabbitMQHeaders.HeaderPrefix + "Rabbitmq-Exchange"] = "elsewhere",
                [RabbitMQHeaders.HeaderPrefix + "tenant"] = "acme",
            },
        });

        // It cannot claim another user: the broker refuses a user_id that is not the connection's.
        var impersonation = () => Broker.PublishRawAsync(Exchange, Wire.OrdersTopic, s_order, new BasicProperties { MessageId = "impersonated", Type = Wire.OrderPlacedType, UserId = Broker.Settings.User });
        (await impersonation.Should().ThrowAsync<Exception>()).Which.Should().Match<Exception>(e => e is OperationInterruptedException || e is AlreadyClosedException);

        // The bridge's own publish carries its user, verified by the broker.
        var a = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Publish<OrderPlaced>(Wire.OrdersTopic));
        var sentId = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Bus().Subscribe<OrderPlaced>((_, context) => sentId.TrySetResult(context.Id), new SubscriptionOptions { Mode = DeliveryMode.Inline });
        await a.Bus().PublishAsync(new OrderPlaced(2, "c"), PublishOptions.ForTopic(Wire.OrdersTopic));
        var bridgedId = (await Signals.For(sentId.Task, "the local publish")).ToString();
        ledger.Sent(bridgedId);
        await Signals.For(seen.WaitAsync("deliveries"), "both deliveries");

        var forged = seen.Items.Single(x => x.Id == "forged").Context.Headers;
        forged.Should().NotContainKey(RabbitMQContextHeaders.Redelivered, "the broker did not flag it");
        forged.Should().Contain(RabbitMQContextHeaders.UserId, Broker.Settings.DeployUser, "the user the broker verified");
        forged.Should().Contain(RabbitMQContextHeaders.Source, "/claimed-source", "the CloudEvents source, a claim, not the sender's copy of the bridge's header");
        forged.Should().Contain(RabbitMQContextHeaders.RoutingKey, Wire.OrdersTopic);
        forged.Should().Contain(RabbitMQContextHeaders.Exchange, Exchange);
        forged.Should().Contain(RabbitMQContextHeaders.Time, "2026-12-01T10:00:00.0000000+01:00", "the time is parsed and written back, not passed through");
        forged.Should().Contain("tenant", "acme");
        forged.Keys.Where(k => k.StartsWith("rabbitmq-", StringComparison.OrdinalIgnoreCase))
            .Should().BeEquivalentTo([RabbitMQContextHeaders.MessageId, RabbitMQContextHeaders.UserId, RabbitMQContextHeaders.Source, RabbitMQContextHeaders.RoutingKey, RabbitMQContextHeaders.Exchange, RabbitMQContextHeaders.Time]);
        seen.Items.Single(x => x.Id == bridgedId).Context.Headers.Should().Contain(RabbitMQContextHeaders.UserId, Broker.Settings.User, "the bridge sets its user on what it sends");

        await Signals.Until(() => a.Bridge().GetStatistics().Sent == 1, "the bridged event's confirm");
        var report = ledger.Report(confirmed: 1 + a.Bridge().GetStatistics().Sent).WriteTo(output, "forged bridge headers");
        report.Lost.Should().Be(0);
        report.Handled.Should().Be(2);
    }

    [Fact]
    public async Task Control_characters_in_headers_dead_letter_the_message_and_never_reach_a_handler_or_a_log_line()
    {
        var ledger = new DeliveryLedger<string>();
        var logs = new CollectingLoggerFactory();
        var b = await StartInstanceAsync(rabbit => rabbit.MapTestTypes().Subscribe<OrderPlaced>(Wire.OrdersTopic), loggerFactory: logs);
        b.Bus().Subscribe<OrderPlaced>((_, context) => ledger.Handled(context.Headers[RabbitMQContextHeaders.MessageId]));
        const string ForgedLine = "\r\n2026-12-01 12:00:00 info: EventBus.RabbitMQ[3001] Connected to amqp://admin@evil";

        async Task SendAsync(string id, string? type = Wire.OrderPlacedType, Dictionary<string, object?>? headers = null, string? correlationId = null)
        {
            ledger.Sent(id);
            await Broker.PublishRawAsync(Exchange, Wire.OrdersTopic, s_order, new BasicProperties
            {
                MessageId = id,
                Type = type,
                ContentType = "application/json",
                CorrelationId = correlationId,
                UserId = Broker.Settings.DeployUser,
                Headers = headers,
            });
        }

        await SendAsync("header-value", headers: new() { [RabbitMQHeaders.HeaderPrefix + "note"] = "ok" + ForgedLine });
        await SendAsync("header-name", headers: new() { [RabbitMQHeaders.HeaderPrefix + "note" + ForgedLine] = "ok" });
        await SendAsync("source", headers: new() { [RabbitMQHeaders.Source] = "/shop" + ForgedLine });
        await SendAsync("type", headers: new() { [RabbitMQHeaders.Type] = Wire.OrderPlacedType + ForgedLine });
        await SendAsync("correlation", correlationId: "c" + ForgedLine);
        await SendAsync("long-type", headers: new() { [RabbitMQHeaders.Type] = new string('t', 5000) });
        await SendAsync("good");

        await Signals.For(ledger.WhenSettledAsync(1), "the good message behind the bad ones");
        var letters = await Broker.TakeAsync(DeadLetterQueue, 6);
        foreach (var letter in letters)
        {
            ledger.DeadLettered(letter.Properties.MessageId!);
        }

        letters.Where(l => l.Properties.MessageId != "long-type").Should().HaveCount(5)
            .And.OnlyContain(l => l.Headers[RabbitMQHeaders.DeadLetterReason] == RabbitMQDeadLetterReasons.InvalidHeader);
        letters.Single(l => l.Properties.MessageId == "long-type").Headers[RabbitMQHeaders.DeadLetterReason].Should().Be(RabbitMQDeadLetterReasons.UnknownType);
        foreach (var letter in letters)
        {
            var detail = letter.Headers[RabbitMQHeaders.DeadLetterDetail];
            detail.Should().NotContainAny(["\r", "\n"], "the bridge's own headers quote the sender escaped");
            detail.Length.Should().BeLessThanOrEqualTo(1100, "and capped");
            letter.Headers.Should().Contain(RabbitMQHeaders.OriginalUserId, Broker.Settings.DeployUser, "the copy names the verified sender");
            letter.Properties.UserId.Should().BeNull("the copy is the bridge's, and the broker would refuse another user's user_id");
        }

        letters.Single(l => l.Properties.MessageId == "header-value").Headers[RabbitMQHeaders.DeadLetterDetail].Should().Contain(@"\r\n2026-12-01");
        var bridgeLines = logs.Entries.Where(e => e.Category == "EventBus.RabbitMQ").ToList();
        bridgeLines.Where(e => e.EventId.Id == 3006).Should().HaveCount(6, "each dead letter is logged");
        bridgeLines.Should().OnlyContain(e => !e.Message.Contains('\r') && !e.Message.Contains('\n'), "no sender can start a log line of its own");
        bridgeLines.Single(e => e.EventId.Id == 3006 && e.Message.Contains("ttttt", StringComparison.Ordinal)).Message.Length
            .Should().BeLessThan(1000, "a 5000-character type name is cut in the log");

        var report = ledger.Report(confirmed: 7).WriteTo(output, "headers with control characters");
        report.Lost.Should().Be(0);
        report.Handled.Should().Be(1);
        report.DeadLettered.Should().Be(6);
    }
}
