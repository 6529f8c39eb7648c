using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace EventBus.DependencyInjection.Tests.Filters;

/// <summary>
/// What a filter pipeline guarantees, whatever the handler it wraps: a pub/sub handler class (<c>AddHandler</c>) or a
/// work queue's handler (<c>AddWorkQueue</c>). Each kind inherits the whole contract.
/// </summary>
public abstract class HandlerFilterContract
{
    private static readonly RetryPolicy s_twoRetries = new() { MaxRetries = 2, BaseDelay = TimeSpan.Zero, Jitter = 0 };

    private readonly FilterLog _log = new();
    private readonly DeadLetterQueue _deadLetters = new();

    protected abstract bool IsWorkItem { get; }

    protected abstract string ConsumerName { get; }

    /// <summary>Registers <see cref="JobHandler"/>, with <paramref name="filters"/> as its own when given.</summary>
    protected abstract void Register(IEventBusBuilder bus, RetryPolicy retry, Action<HandlerFilterList>? filters);

    protected abstract ValueTask SendAsync(IServiceProvider services, Job job);

    protected abstract Task<DrainResult> CompleteAsync(IServiceProvider services);

    [Fact]
    public async Task Global_filters_run_first_in_the_order_added_then_the_handlers_own_in_theirs_then_the_handler()
    {
        await using var provider = Build(before: b => b.AddFilter<GlobalA>(), own: f => f.Add<OwnC>().Add<OwnD>(), after: b => b.AddFilter<GlobalB>());

        var result = await RunAsync(provider, jobs: 1);

        result.Delivered.Should().Be(1);
        _log.Steps.Should().Equal(["A>", "B>", "C>", "D>", "handler", "<D", "<C", "<B", "<A"],
            "a global filter added after the handler still wraps it, outside the handler's own");
    }

    [Fact]
    public async Task A_filter_type_runs_once_per_attempt_at_its_first_place_however_often_it_was_added()
    {
        await using var provider = Build(
            before: b => b.AddFilter<GlobalA>().AddFilter<GlobalA>(),
            own: f => f.Add<OwnC>().Add<GlobalA>().Add<OwnC>());

        await RunAsync(provider, jobs: 1);

        _log.Steps.Should().Equal("A>", "C>", "handler", "<C", "<A");
    }

    [Fact]
    public async Task A_filter_shares_the_events_scope_with_the_handler_and_each_event_has_its_own()
    {
        await using var provider = Build(before: b => b.AddFilter<ScopeFilter>());

        var result = await RunAsync(provider, jobs: 2);

        result.Delivered.Should().Be(2);
        var filtered = _log.Filtered.ToDictionary(f => f.Job);
        var handled = _log.Handled.ToDictionary(h => h.Job);
        filtered.Keys.Should().BeEquivalentTo([1, 2]);
        foreach (var job in new[] { 1, 2 })
        {
            var (_, probe, scopeProbe, context) = filtered[job];
            scopeProbe.Should().Be(probe, "the filter is resolved from the scope its context exposes");
            handled[job].Probe.Should().Be(probe, "the handler is resolved from the same scope");
            context.Message.Should().Be(new Job(job));
            context.EventContext.Should().BeSameAs(handled[job].Context);
            context.CancellationToken.Should().Be(handled[job].Token);
            context.MessageType.Should().Be<Job>();
            context.HandlerType.Should().Be<JobHandler>();
            context.ConsumerName.Should().Be(ConsumerName);
            context.IsWorkItem.Should().Be(IsWorkItem);
        }

        filtered[1].Probe.Should().NotBe(filtered[2].Probe, "two events never share a scope");
    }

    [Fact]
    public async Task A_filter_that_does_not_call_next_short_circuits_and_the_call_counts_as_handled()
    {
        await using var provider = Build(before: b => b.AddFilter<ShortCircuitFilter>().AddFilter<GlobalA>());

        var result = await RunAsync(provider, jobs: 1);

        result.Delivered.Should().Be(1);
        result.DeadLettered.Should().Be(0);
        _log.Attempts.Should().Be(0, "the handler did not run");
        _log.Steps.Should().Equal(["short-circuit"], "the filters after it did not run either");
        _deadLetters.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_filter_sees_each_attempts_exception_and_rethrowing_it_lets_retries_and_dead_lettering_apply()
    {
        _log.HandlerThrows = true;
        await using var provider = Build(before: b => b.AddFilter<RethrowingFilter>(), retry: s_twoRetries);

        var result = await RunAsync(provider, jobs: 1);

        result.Delivered.Should().Be(0);
        result.DeadLettered.Should().Be(1);
        _log.Attempts.Should().Be(3, "the first attempt and two retries");
        _log.Seen.Should().HaveCount(3, "the pipeline runs again for every retry")
            .And.OnlyContain(e => e is InvalidOperationException && e.Message == "handler failed on job 1");
        var letter = _deadLetters.ToList().Should().ContainSingle().Subject;
        letter.Attempts.Should().Be(3);
        letter.Source.Should().Be(ConsumerName);
        letter.Exception.Should().BeSameAs(_log.Seen.Last());
    }

    [Fact]
    public async Task A_filter_that_swallows_the_exception_turns_the_attempt_into_a_success()
    {
        _log.HandlerThrows = true;
        await using var provider = Build(before: b => b.AddFilter<SwallowingFilter>(), retry: s_twoRetries);

        var result = await RunAsync(provider, jobs: 1);

        result.Delivered.Should().Be(1);
        result.DeadLettered.Should().Be(0);
        _log.Attempts.Should().Be(1, "nothing failed, so nothing was retried");
        _log.Seen.Should().ContainSingle();
        _deadLetters.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_filter_that_throws_before_next_fails_the_attempt_like_a_handler_retried_then_dead_lettered()
    {
        await using var provider = Build(own: f => f.Add<OwnC>().Add<ThrowingFilter>(), retry: s_twoRetries);

        var result = await RunAsync(provider, jobs: 1);

        result.DeadLettered.Should().Be(1);
        _log.Attempts.Should().Be(0, "the handler never ran");
        _log.Steps.Should().Equal("C>", "refused", "C>", "refused", "C>", "refused");
        var letter = _deadLetters.ToList().Should().ContainSingle().Subject;
        letter.Attempts.Should().Be(3);
        letter.Exception.Should().BeOfType<UnauthorizedAccessException>().Which.Message.Should().Be("tenant unknown");
    }

    [Fact]
    public async Task Calling_next_twice_faults_the_second_call_with_an_InvalidOperationException_naming_the_filter()
    {
        await using var provider = Build(before: b => b.AddFilter<TwiceFilter>().AddFilter<GlobalA>());

        var result = await RunAsync(provider, jobs: 1);

        _log.Attempts.Should().Be(1, "the handler is not called a second time");
        _log.Steps.Should().Equal("A>", "handler", "<A");
        var error = _log.Seen.Should().ContainSingle().Subject.Should().BeOfType<InvalidOperationException>().Subject;
        error.Message.Should().Contain(typeof(TwiceFilter).FullName).And.Contain("more than once").And.Contain(typeof(JobHandler).FullName);
        result.DeadLettered.Should().Be(1, "the filter let the exception out, so the attempt failed");
        _deadLetters.ToList().Should().ContainSingle().Which.Exception.Should().BeSameAs(error);
    }

    [Fact]
    public async Task Calling_a_kept_next_after_the_attempt_completed_faults_with_an_InvalidOperationException()
    {
        await using var provider = Build(before: b => b.AddFilter<KeepsNextFilter>());

        var result = await RunAsync(provider, jobs: 1);

        result.Delivered.Should().Be(1);
        var (next, context) = _log.Kept!.Value;
        var late = () => next(context).AsTask();
        (await late.Should().ThrowAsync<InvalidOperationException>())
            .Which.Message.Should().Contain(typeof(KeepsNextFilter).FullName).And.Contain("after the attempt");
        _log.Attempts.Should().Be(0);
    }

    private ServiceProvider Build(
        Action<IEventBusBuilder>? before = null, RetryPolicy? retry = null, Action<HandlerFilterList>? own = null, Action<IEventBusBuilder>? after = null)
    {
        var services = new ServiceCollection().AddSingleton(_log).AddScoped<ScopedProbe>();
        var bus = services.AddEventBus(o => o.DeadLetterSink = _deadLetters);
        before?.Invoke(bus);
        Register(bus, retry ?? RetryPolicy.None, own);
        after?.Invoke(bus);
        return services.BuildServiceProvider();
    }

    /// <summary>Sends the jobs and drains: the drain's result is the signal that every attempt is over.</summary>
    private async Task<DrainResult> RunAsync(ServiceProvider provider, int jobs)
    {
        for (var number = 1; number <= jobs; number++)
        {
            await SendAsync(provider, new Job(number));
        }

        var result = await Wait.For(CompleteAsync(provider), "the drain");
        result.Completed.Should().BeTrue();
        result.ShouldBalance(jobs);
        return result;
    }
}

public sealed class PubSubHandlerFilterTests : HandlerFilterContract
{
    protected override bool IsWorkItem => false;

    protected override string ConsumerName => nameof(JobHandler);

    protected override void Register(IEventBusBuilder bus, RetryPolicy retry, Action<HandlerFilterList>? filters)
    {
        if (filters is null)
        {
            bus.AddHandler<Job, JobHandler>(o => o.RetryPolicy = retry);
        }
        else
        {
            bus.AddHandler<Job, JobHandler>(o => o.RetryPolicy = retry, filters);
        }
    }

    protected override ValueTask SendAsync(IServiceProvider services, Job job) => services.GetRequiredService<IEventBus>().PublishAsync(job);

    protected override async Task<DrainResult> CompleteAsync(IServiceProvider services) =>
        await services.GetRequiredService<IEventBus>().CompleteAsync();
}

public sealed class WorkQueueHandlerFilterTests : HandlerFilterContract
{
    protected override bool IsWorkItem => true;

    protected override string ConsumerName => nameof(Job);

    protected override void Register(IEventBusBuilder bus, RetryPolicy retry, Action<HandlerFilterList>? filters)
    {
        void Configure(WorkQueueOptions<Job> o)
        {
            o.RetryPolicy = retry;
            o.WorkerCount = 2;
        }

        if (filters is null)
        {
            bus.AddWorkQueue<Job, JobHandler>(Configure);
        }
        else
        {
            bus.AddWorkQueue<Job, JobHandler>(Configure, filters);
        }
    }

    protected override ValueTask SendAsync(IServiceProvider services, Job job) => services.GetRequiredService<IWorkQueue<Job>>().EnqueueAsync(job);

    protected override async Task<DrainResult> CompleteAsync(IServiceProvider services) =>
        await services.GetRequiredService<WorkQueue<Job>>().CompleteAsync();
}
