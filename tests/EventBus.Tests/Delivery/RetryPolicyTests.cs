namespace EventBus.Tests.Delivery;

public sealed class RetryPolicyTests
{
    [Fact]
    public void Fixed_backoff_waits_the_base_delay_every_time()
    {
        var policy = new RetryPolicy { Backoff = BackoffKind.Fixed, BaseDelay = TimeSpan.FromMilliseconds(250), Jitter = 0 };
        Enumerable.Range(1, 5).Select(policy.GetDelay).Should().AllBeEquivalentTo(TimeSpan.FromMilliseconds(250));
    }

    [Fact]
    public void Linear_backoff_grows_by_the_base_delay()
    {
        var policy = new RetryPolicy { Backoff = BackoffKind.Linear, BaseDelay = TimeSpan.FromSeconds(1), Jitter = 0 };
        Enumerable.Range(1, 4).Select(policy.GetDelay).Should()
            .Equal(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public void Exponential_backoff_doubles_and_is_capped()
    {
        var policy = new RetryPolicy
        {
            Backoff = BackoffKind.Exponential,
            BaseDelay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(5),
            Jitter = 0,
        };
        Enumerable.Range(1, 5).Select(policy.GetDelay).Should()
            .Equal(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        policy.GetDelay(10_000).Should().Be(TimeSpan.FromSeconds(5), "huge retry numbers must not overflow");
    }

    [Fact]
    public void Jitter_spreads_delays_within_its_bounds()
    {
        var policy = new RetryPolicy { Backoff = BackoffKind.Fixed, BaseDelay = TimeSpan.FromSeconds(10), Jitter = 0.2 };
        var delays = Enumerable.Range(0, 1000).Select(_ => policy.GetDelay(1)).ToList();
        delays.Should().OnlyContain(d => d >= TimeSpan.FromSeconds(8) && d <= TimeSpan.FromSeconds(12));
        delays.Distinct().Count().Should().BeGreaterThan(100, "jitter randomises the delays");
    }

    [Fact]
    public void Retry_numbers_start_at_one()
    {
        var get = () => RetryPolicy.Default.GetDelay(0);
        get.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void WithShouldRetry_keeps_the_schedule()
    {
        var policy = new RetryPolicy { MaxRetries = 7, BaseDelay = TimeSpan.FromSeconds(3), Backoff = BackoffKind.Linear, Jitter = 0 };
        var copy = policy.WithShouldRetry(ex => ex is TimeoutException);
        copy.MaxRetries.Should().Be(7);
        copy.GetDelay(2).Should().Be(TimeSpan.FromSeconds(6));
        copy.ShouldRetry!(new TimeoutException()).Should().BeTrue();
        policy.ShouldRetry.Should().BeNull();
    }

    [Fact]
    public void Jitter_draws_from_the_randomizer_the_policy_is_given()
    {
        var samples = new Queue<double>([0.0, 0.5, 0.999]);
        var policy = new RetryPolicy
        {
            Backoff = BackoffKind.Fixed,
            BaseDelay = TimeSpan.FromSeconds(10),
            Jitter = 0.2,
            Randomizer = () => samples.Dequeue(),
        };

        // 0 is the low end of the spread (-20 %), 0.5 its middle, just under 1 its high end (+20 %).
        policy.GetDelay(1).Should().Be(TimeSpan.FromSeconds(8));
        policy.GetDelay(1).Should().Be(TimeSpan.FromSeconds(10));
        policy.GetDelay(1).Should().BeCloseTo(TimeSpan.FromSeconds(12), TimeSpan.FromMilliseconds(5));
        policy.WithShouldRetry(null).Randomizer.Should().BeSameAs(policy.Randomizer, "a copy keeps its randomizer");
    }
}
