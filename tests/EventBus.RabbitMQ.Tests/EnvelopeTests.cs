using System.Diagnostics;
using System.Text;
using EventBus.RabbitMQ.Internal;

namespace EventBus.RabbitMQ.Tests;

/// <summary>What goes on the wire around an event's JSON body. No broker needed.</summary>
public sealed class EnvelopeTests
{
    [Fact]
    public void Outbound_properties_carry_cloud_events_attributes_schema_version_trace_context_and_headers()
    {
        var type = new MessageType<Job>("eventbus.tests.job") { SchemaVersion = 3 };
        var id = Guid.NewGuid();
        var time = new DateTimeOffset(2026, 11, 26, 12, 30, 15, 123, TimeSpan.FromHours(1));
        var context = new EventContext(id, time, typeof(Job))
        {
            Topic = "jobs",
            CorrelationId = "corr-1",
            Headers = new Dictionary<string, string> { ["tenant"] = "acme" },
        };
        var trace = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, "vendor=1");

        var properties = Envelope.Create(type, context, "/shop", trace);

        properties.Persistent.Should().BeTrue();
        properties.ContentType.Should().Be("application/json");
        properties.MessageId.Should().Be(id.ToString());
        properties.CorrelationId.Should().Be("corr-1");
        properties.Type.Should().Be("eventbus.tests.job");
        properties.Timestamp.UnixTime.Should().Be(time.ToUnixTimeSeconds());
        properties.Headers.Should().Contain(RabbitMQHeaders.SpecVersion, "1.0")
            .And.Contain(RabbitMQHeaders.Id, id.ToString())
            .And.Contain(RabbitMQHeaders.Source, "/shop")
            .And.Contain(RabbitMQHeaders.Type, "eventbus.tests.job")
            .And.Contain(RabbitMQHeaders.Time, "2026-11-26T12:30:15.1230000+01:00")
            .And.Contain(RabbitMQHeaders.DataContentType, "application/json")
            .And.Contain(RabbitMQHeaders.Subject, "jobs")
            .And.Contain(RabbitMQHeaders.SchemaVersion, "3")
            .And.Contain(RabbitMQHeaders.TraceParent, $"00-{trace.TraceId.ToHexString()}-{trace.SpanId.ToHexString()}-01")
            .And.Contain(RabbitMQHeaders.TraceState, "vendor=1")
            .And.Contain(RabbitMQHeaders.HeaderPrefix + "tenant", "acme");
    }

    [Fact]
    public void A_traceparent_written_by_the_sender_is_read_back_as_the_same_remote_context()
    {
        var sent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None);

        ActivityContext.TryParse(Envelope.FormatTraceParent(sent), null, isRemote: true, out var read).Should().BeTrue();

        read.TraceId.Should().Be(sent.TraceId);
        read.SpanId.Should().Be(sent.SpanId);
        read.TraceFlags.Should().Be(ActivityTraceFlags.None);
        read.IsRemote.Should().BeTrue();
    }

    [Fact]
    public void Local_headers_restore_the_senders_headers_and_say_where_the_message_came_from()
    {
        var message = new IncomingMessage
        {
            RoutingKey = "jobs",
            Redelivered = true,
            RawHeaders = new Dictionary<string, object?>
            {
                [RabbitMQHeaders.HeaderPrefix + "tenant"] = Encoding.UTF8.GetBytes("acme"),
                [RabbitMQHeaders.Id] = Encoding.UTF8.GetBytes("abc"),
            },
            Id = "abc",
            Source = "/shop",
            TimeText = "2026-11-26T12:30:15.0000000+00:00",
        };

        Envelope.LocalHeaders(message).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["tenant"] = "acme",
            [RabbitMQContextHeaders.MessageId] = "abc",
            [RabbitMQContextHeaders.RoutingKey] = "jobs",
            [RabbitMQContextHeaders.Source] = "/shop",
            [RabbitMQContextHeaders.Time] = "2026-11-26T12:30:15.0000000+00:00",
            [RabbitMQContextHeaders.Redelivered] = "true",
        });
    }
}
