using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using EventBus.RabbitMQ.Internal;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace EventBus.RabbitMQ.Tests;

/// <summary>What goes on the wire around an event's JSON body, and what a delivery is allowed to say. No broker needed.</summary>
public sealed class EnvelopeTests
{
    private static readonly MessageType<Job> s_jobType = new("eventbus.tests.job");

    [Fact]
    public void Outbound_properties_carry_cloud_events_attributes_schema_version_trace_context_user_and_headers()
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

        var properties = Envelope.Create(type, context, "/shop", trace, "shop-app");

        properties.Persistent.Should().BeTrue();
        properties.ContentType.Should().Be("application/json");
        properties.MessageId.Should().Be(id.ToString());
        properties.CorrelationId.Should().Be("corr-1");
        properties.UserId.Should().Be("shop-app", "the broker verifies it against the connection's user");
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
    public void The_bridges_own_headers_of_an_event_that_came_in_are_not_sent_on()
    {
        var context = new EventContext(Guid.NewGuid(), DateTimeOffset.UnixEpoch, typeof(Job))
        {
            Headers = new Dictionary<string, string>
            {
                ["tenant"] = "acme",
                [RabbitMQContextHeaders.MessageId] = "order-42",
                [RabbitMQContextHeaders.RoutingKey] = "orders",
                ["RabbitMQ-Redelivered"] = "true",
            },
        };

        var headers = Envelope.Create(s_jobType, context, "/shop", default, "app").Headers!;

        headers.Should().ContainKey(RabbitMQHeaders.HeaderPrefix + "tenant");
        headers.Keys.Should().NotContain(k => k.Contains("rabbitmq-", StringComparison.OrdinalIgnoreCase), "they described the previous hop");
    }

    [Theory]
    [InlineData("tenant", "acme\r\nforged: yes")]
    [InlineData("ten\nant", "acme")]
    [InlineData("tenant", "bell\u0007")]
    [InlineData("tenant", "line\u2028separator")]
    public void A_local_header_with_a_control_character_is_refused_at_the_forward(string name, string value)
    {
        var context = new EventContext(Guid.NewGuid(), DateTimeOffset.UnixEpoch, typeof(Job)) { Headers = new Dictionary<string, string> { [name] = value } };

        var act = () => Envelope.Create(s_jobType, context, "/shop", default, "app");

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("control character").And.NotContain("\r").And.NotContain("\n");
        RabbitMQBridge.IsPermanentForwardFailure(act.Should().Throw<ArgumentException>().Which).Should().BeTrue("no retry can fix it");
    }

    [Fact]
    public void A_causation_id_travels_as_its_own_header_and_is_read_back()
    {
        var cause = Guid.NewGuid();
        var context = new EventContext(Guid.NewGuid(), DateTimeOffset.UnixEpoch, typeof(Job)) { CausationId = cause };

        var properties = Envelope.Create(new MessageType<Job>("eventbus.tests.job"), context, "/shop", default, userId: null);

        properties.Headers.Should().Contain(RabbitMQHeaders.CausationId, cause.ToString());
        Read(properties).CausationId.Should().Be(cause);
        Read(new BasicProperties { Headers = new Dictionary<string, object?> { [RabbitMQHeaders.CausationId] = "not a guid" } })
            .CausationId.Should().BeNull("a malformed causation id is left out, not guessed");
        Envelope.Create(new MessageType<Job>("eventbus.tests.job"), new EventContext(Guid.NewGuid(), DateTimeOffset.UnixEpoch, typeof(Job)), "/shop", default, userId: null)
            .Headers.Should().NotContainKey(RabbitMQHeaders.CausationId, "an event without a cause sends none");
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
    public void Local_headers_restore_the_senders_headers_and_set_the_bridges_own_from_the_delivery()
    {
        var message = Read(
            new BasicProperties
            {
                UserId = "shop-app",
                Timestamp = new AmqpTimestamp(1),
                Headers = new Dictionary<string, object?>
                {
                    [RabbitMQHeaders.HeaderPrefix + "tenant"] = Encoding.UTF8.GetBytes("acme"),
                    [RabbitMQHeaders.Id] = Encoding.UTF8.GetBytes("abc"),
                    [RabbitMQHeaders.Source] = "/shop",
                    [RabbitMQHeaders.Time] = "2026-11-26T12:30:15+00:00",
                },
            },
            redelivered: true);

        message.InvalidHeader.Should().BeNull();
        Envelope.LocalHeaders(message).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["tenant"] = "acme",
            [RabbitMQContextHeaders.MessageId] = "abc",
            [RabbitMQContextHeaders.Exchange] = "shop",
            [RabbitMQContextHeaders.RoutingKey] = "jobs",
            [RabbitMQContextHeaders.Source] = "/shop",
            [RabbitMQContextHeaders.UserId] = "shop-app",
            [RabbitMQContextHeaders.Time] = "2026-11-26T12:30:15.0000000+00:00",
            [RabbitMQContextHeaders.Redelivered] = "true",
        });
    }

    [Fact]
    public void A_senders_copies_of_the_bridges_headers_are_dropped_and_the_delivery_decides()
    {
        var message = Read(
            new BasicProperties
            {
                Headers = new Dictionary<string, object?>
                {
                    [RabbitMQHeaders.HeaderPrefix + RabbitMQContextHeaders.Redelivered] = "true",
                    [RabbitMQHeaders.HeaderPrefix + RabbitMQContextHeaders.UserId] = "admin",
                    [RabbitMQHeaders.HeaderPrefix + RabbitMQContextHeaders.RoutingKey] = "elsewhere",
                    [RabbitMQHeaders.HeaderPrefix + "RabbitMQ-Time"] = "1999-01-01T00:00:00Z",
                    [RabbitMQHeaders.HeaderPrefix + "tenant"] = "acme",
                },
            },
            redelivered: false);

        var headers = Envelope.LocalHeaders(message);

        message.InvalidHeader.Should().BeNull("dropping them is enough; they are not an error");
        headers.Should().NotContainKey(RabbitMQContextHeaders.Redelivered, "the broker did not flag it");
        headers.Should().NotContainKey(RabbitMQContextHeaders.UserId, "the message has no verified user_id");
        headers.Should().NotContainKey("RabbitMQ-Time");
        headers.Should().Contain(RabbitMQContextHeaders.RoutingKey, "jobs").And.Contain("tenant", "acme");
    }

    [Theory]
    [InlineData(RabbitMQHeaders.HeaderPrefix + "note", "first\r\n2026-12-01 info: forged line")]
    [InlineData(RabbitMQHeaders.Source, "/shop\n")]
    [InlineData(RabbitMQHeaders.Time, "2026-11-26T12:30:15Z\r\nX")]
    [InlineData(RabbitMQHeaders.Id, "id\u0000")]
    [InlineData(RabbitMQHeaders.HeaderPrefix + "bad\nname", "value")]
    public void A_delivery_with_a_control_character_in_a_header_a_handler_would_see_is_invalid(string name, string value)
    {
        var message = Read(new BasicProperties { Headers = new Dictionary<string, object?> { [name] = Encoding.UTF8.GetBytes(value) } });

        message.InvalidHeader.Should().NotBeNull().And.Contain("control character").And.NotContain("\n").And.NotContain("\r").And.NotContain("\0");
    }

    [Fact]
    public void Control_characters_in_properties_and_table_valued_headers_are_invalid_too()
    {
        Read(new BasicProperties { CorrelationId = "c\r\nd" }).InvalidHeader.Should().Contain("correlation_id");
        Read(new BasicProperties { MessageId = "m\n" }).InvalidHeader.Should().Contain("message_id");
        Read(new BasicProperties { Type = "t\n" }).InvalidHeader.Should().Contain("type");
        Read(new BasicProperties { Headers = new Dictionary<string, object?> { [RabbitMQHeaders.HeaderPrefix + "nested"] = new Dictionary<string, object?> { ["a"] = 1 } } })
            .InvalidHeader.Should().Contain("not text");
        Read(new BasicProperties { Headers = new Dictionary<string, object?> { ["x-unrelated"] = "has\nnewline" } })
            .InvalidHeader.Should().BeNull("headers no handler sees are kept as they are, for the dead letters");
    }

    [Fact]
    public void A_body_over_the_limit_is_neither_copied_nor_parsed()
    {
        var body = new byte[1025];

        var small = Read(new BasicProperties(), body: body, maxBodySize: 2048);
        var large = Read(new BasicProperties(), body: body, maxBodySize: 1024);

        small.TooLarge.Should().BeFalse();
        SameMemory(small.Body, body).Should().BeFalse("a body within the limit is copied: the client's buffer is reused");
        large.TooLarge.Should().BeTrue();
        SameMemory(large.Body, body).Should().BeTrue("a body over the limit is not copied");
    }

    [Fact]
    public void A_message_id_that_is_not_a_guid_gets_a_stable_name_based_key()
    {
        var first = Read(new BasicProperties { MessageId = "order-42" });
        var again = Read(new BasicProperties { MessageId = "order-42" }, redelivered: true);
        var guid = Guid.NewGuid();

        first.Key().Should().Be(again.Key(), "every delivery of the message has the same idempotency key");
        first.Key().Should().NotBe(Read(new BasicProperties { MessageId = "order-43" }).Key());
        first.Key().Should().Be(StableId.NameBased(StableId.Namespace, "order-42"));
        Read(new BasicProperties { MessageId = guid.ToString() }).Key().Should().Be(guid, "a GUID id is kept as it is");
    }

    [Fact]
    public void The_name_based_key_is_a_standard_version_5_uuid()
    {
        // The RFC 9562 DNS namespace and a published example value.
        var dns = new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

        StableId.NameBased(dns, "python.org").Should().Be(new Guid("886313e1-3b8a-5372-9b90-0c9aee199e5d"));
    }

    private static bool SameMemory(ReadOnlyMemory<byte> memory, byte[] array) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && ReferenceEquals(segment.Array, array);

    private static IncomingMessage Read(BasicProperties properties, bool redelivered = false, byte[]? body = null, int maxBodySize = 1024) =>
        Envelope.Read(new BasicDeliverEventArgs("tag", 1, redelivered, "shop", "jobs", properties, body ?? "{}"u8.ToArray()), maxBodySize);
}
