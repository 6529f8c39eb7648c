namespace EventBus.Tests.Delivery;

/// <summary>Bad settings fail at the call that sets them, with the specific exception.</summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Subscription_capacity_below_one_is_rejected(int capacity)
    {
        var set = () => new SubscriptionOptions { Capacity = capacity };
        set.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Subscription_concurrency_below_one_is_rejected(int concurrency)
    {
        var set = () => new SubscriptionOptions { MaxConcurrency = concurrency };
        set.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Negative_overflow_capacity_is_rejected()
    {
        var set = () => new SubscriptionOptions { OverflowCapacity = -1 };
        set.Should().Throw<ArgumentOutOfRangeException>();
        new SubscriptionOptions { OverflowCapacity = 0 }.OverflowCapacity.Should().Be(0);
    }

    [Fact]
    public void Undefined_enum_values_are_rejected()
    {
        var mode = () => new SubscriptionOptions { Mode = (DeliveryMode)7 };
        mode.Should().Throw<ArgumentOutOfRangeException>();
        var full = () => new SubscriptionOptions { FullMode = (BufferFullMode)9 };
        full.Should().Throw<ArgumentOutOfRangeException>();
        var backoff = () => new RetryPolicy { Backoff = (BackoffKind)5 };
        backoff.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Blank_topics_are_rejected(string topic)
    {
        var subscription = () => new SubscriptionOptions { Topic = topic };
        subscription.Should().Throw<ArgumentException>();
        var publish = () => new PublishOptions { Topic = topic };
        publish.Should().Throw<ArgumentException>();
        var forTopic = () => PublishOptions.ForTopic(topic);
        forTopic.Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task A_blank_publisher_topic_is_rejected()
    {
        await using var bus = EventBusFactory.Create();
        var get = () => bus.GetPublisher<string>(" ");
        get.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Null_references_in_options_are_rejected()
    {
        var policy = () => new SubscriptionOptions { RetryPolicy = null! };
        policy.Should().Throw<ArgumentNullException>();
        var time = () => new EventBusOptions { TimeProvider = null! };
        time.Should().Throw<ArgumentNullException>();
        var sink = () => new EventBusOptions { DeadLetterSink = null! };
        sink.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Negative_delays_and_retry_counts_are_rejected()
    {
        var retries = () => new RetryPolicy { MaxRetries = -1 };
        retries.Should().Throw<ArgumentOutOfRangeException>();
        var baseDelay = () => new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(-1) };
        baseDelay.Should().Throw<ArgumentOutOfRangeException>();
        var maxDelay = () => new RetryPolicy { MaxDelay = TimeSpan.FromSeconds(-1) };
        maxDelay.Should().Throw<ArgumentOutOfRangeException>();
        var drain = () => new EventBusOptions { DrainTimeout = TimeSpan.FromSeconds(-1) };
        drain.Should().Throw<ArgumentOutOfRangeException>();
        new EventBusOptions { DrainTimeout = Timeout.InfiniteTimeSpan }.DrainTimeout.Should().Be(Timeout.InfiniteTimeSpan);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Jitter_outside_zero_to_one_is_rejected(double jitter)
    {
        var set = () => new RetryPolicy { Jitter = jitter };
        set.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Dead_letter_queue_capacity_below_one_is_rejected()
    {
        var create = () => new DeadLetterQueue(0);
        create.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void The_exception_names_the_option_that_was_set()
    {
        var capacity = () => new SubscriptionOptions { Capacity = 0 };
        capacity.Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(SubscriptionOptions.Capacity));
        var drain = () => new EventBusOptions { DrainTimeout = TimeSpan.FromSeconds(-5) };
        drain.Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(EventBusOptions.DrainTimeout));
        var jitter = () => new RetryPolicy { Jitter = 2 };
        jitter.Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(RetryPolicy.Jitter));
    }

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var subscription = new SubscriptionOptions();
        subscription.Mode.Should().Be(DeliveryMode.Queued);
        subscription.Capacity.Should().Be(1024);
        subscription.OverflowCapacity.Should().Be(1024);
        subscription.FullMode.Should().Be(BufferFullMode.Wait);
        subscription.MaxConcurrency.Should().Be(1);
        subscription.RetryPolicy.Should().BeSameAs(RetryPolicy.Default);

        var bus = new EventBusOptions();
        bus.TimeProvider.Should().BeSameAs(TimeProvider.System);
        bus.DrainTimeout.Should().Be(TimeSpan.FromSeconds(30));
        bus.DeadLetterSink.Should().BeOfType<DeadLetterQueue>();

        RetryPolicy.Default.MaxRetries.Should().Be(3);
        RetryPolicy.None.MaxRetries.Should().Be(0);
    }

    [Fact]
    public void An_empty_event_id_is_refused_where_it_is_set()
    {
        var set = () => new PublishOptions { Id = Guid.Empty };

        set.Should().Throw<ArgumentException>().WithParameterName("Id");
    }
}
