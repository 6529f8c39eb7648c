using EventBus.RabbitMQ.Internal;

namespace EventBus.RabbitMQ.Tests;

/// <summary>Sender-controlled strings on their way into logs and dead-letter headers. No broker needed.</summary>
public sealed class SenderTextTests
{
    [Fact]
    public void Control_characters_are_escaped_so_no_log_line_can_be_forged()
    {
        SenderText.Escape("order-42\r\n2026-12-01 info: all good\t\u0007\u2028").Should().Be(@"order-42\r\n2026-12-01 info: all good\t\u0007\u2028");
    }

    [Fact]
    public void Long_values_are_capped_and_say_how_much_was_left_out()
    {
        var escaped = SenderText.Escape(new string('x', 5000));

        escaped.Should().StartWith(new string('x', SenderText.LogLimit)).And.EndWith("...(4800 more)");
        SenderText.Escape(new string('\n', 500)).Length.Should().BeLessThan(SenderText.LogLimit + 20, "the cap counts the escaped text");
    }

    [Fact]
    public void Plain_values_and_null_pass_unchanged()
    {
        SenderText.Escape("eventbus.tests.order-placed").Should().Be("eventbus.tests.order-placed");
        SenderText.Escape(null).Should().BeEmpty();
        SenderText.HasControl("plain text").Should().BeFalse();
        SenderText.HasControl("del\u007f").Should().BeTrue();
        SenderText.HasControl("c1\u0085").Should().BeTrue();
    }
}
