using EventBus.DependencyInjection.Internal;
using EventBus.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventBus.DependencyInjection.Tests.Filters;

/// <summary>How filters are registered and checked: bad input, lifetimes, duplicates, and the start-up check.</summary>
public sealed class HandlerFilterRegistrationTests
{
    [Fact]
    public void Null_arguments_throw_ArgumentNullException_at_the_registration()
    {
        var builder = new ServiceCollection().AddEventBus();

        FluentActions.Invoking(() => ((IEventBusBuilder)null!).AddFilter<GlobalA>())
            .Should().Throw<ArgumentNullException>().WithParameterName("builder");
        FluentActions.Invoking(() => ((IEventBusBuilder)null!).AddHandler<Job, JobHandler>(null, f => f.Add<GlobalA>()))
            .Should().Throw<ArgumentNullException>().WithParameterName("builder");
        FluentActions.Invoking(() => builder.AddHandler<Job, JobHandler>(null, null!))
            .Should().Throw<ArgumentNullException>().WithParameterName("filters");
        FluentActions.Invoking(() => builder.AddWorkQueue<Job, JobHandler>(configure: null, filters: null!))
            .Should().Throw<ArgumentNullException>().WithParameterName("filters");
        FluentActions.Invoking(() => builder.AddWorkQueue<Job, JobHandler>("jobs", null, null!))
            .Should().Throw<ArgumentNullException>().WithParameterName("filters");
        FluentActions.Invoking(() => ((IEventBusBuilder)null!).AddWorkQueue<Job, JobHandler>("jobs", null, f => f.Add<GlobalA>()))
            .Should().Throw<ArgumentNullException>().WithParameterName("builder");
        builder.Services.Should().NotContain(d => d.ServiceType == typeof(HandlerRegistration) || d.ServiceType == typeof(WorkQueueRegistration),
            "a refused call registers nothing");
    }

    [Fact]
    public void A_filter_is_registered_as_scoped_unless_the_application_registered_it_with_another_lifetime()
    {
        var services = new ServiceCollection().AddSingleton<GlobalB>();
        services.AddEventBus()
            .AddFilter<GlobalA>()
            .AddFilter<GlobalB>()
            .AddHandler<Job, JobHandler>(null, f => f.Add<OwnC>());

        services.Single(d => d.ServiceType == typeof(GlobalA)).Lifetime.Should().Be(ServiceLifetime.Scoped);
        services.Single(d => d.ServiceType == typeof(GlobalB)).Lifetime.Should().Be(ServiceLifetime.Singleton);
        services.Single(d => d.ServiceType == typeof(OwnC)).Lifetime.Should().Be(ServiceLifetime.Scoped);
    }

    [Fact]
    public void Filters_are_part_of_a_registrations_identity_the_same_call_twice_adds_nothing_other_filters_add_a_subscription()
    {
        var services = new ServiceCollection();
        services.AddEventBus()
            .AddHandler<Job, JobHandler>(null, f => f.Add<OwnC>().Add<OwnD>())
            .AddHandler<Job, JobHandler>(null, f => f.Add<OwnC>().Add<OwnD>())
            .AddHandler<Job, JobHandler>(null, f => f.Add<OwnD>().Add<OwnC>())
            .AddHandler<Job, JobHandler>()
            .AddFilter<GlobalA>()
            .AddFilter<GlobalA>();

        services.Count(d => d.ServiceType == typeof(HandlerRegistration)).Should().Be(3);
        services.Count(d => d.ServiceType == typeof(GlobalHandlerFilter)).Should().Be(1);
    }

    [Fact]
    public void A_second_work_queue_call_with_other_filters_throws_and_the_same_call_again_adds_nothing()
    {
        var builder = new ServiceCollection().AddEventBus()
            .AddWorkQueue<Job, JobHandler>(null, f => f.Add<OwnC>())
            .AddWorkQueue<Job, JobHandler>(null, f => f.Add<OwnC>());

        builder.Services.Count(d => d.ServiceType == typeof(WorkQueueRegistration)).Should().Be(1);
        FluentActions.Invoking(() => builder.AddWorkQueue<Job, JobHandler>(null, f => f.Add<OwnD>()))
            .Should().Throw<InvalidOperationException>().WithMessage("*already registered*");
        FluentActions.Invoking(() => builder.AddWorkQueue<Job, JobHandler>())
            .Should().Throw<InvalidOperationException>().WithMessage("*already registered*");
    }

    [Fact]
    public void Without_any_filter_no_pipeline_is_built_and_the_handler_keeps_its_direct_call()
    {
        using var provider = new ServiceCollection().AddEventBus().Services.BuildServiceProvider();
        HandlerFilterPipeline.Create(provider, [], static _ => default, typeof(Job), typeof(JobHandler), "jobs", isWorkItem: false)
            .Should().BeNull();

        using var filtered = new ServiceCollection().AddEventBus().AddFilter<GlobalA>().Services.BuildServiceProvider();
        HandlerFilterPipeline.Create(filtered, [], static _ => default, typeof(Job), typeof(JobHandler), "jobs", isWorkItem: false)
            .Should().NotBeNull();
    }

    [Fact]
    public async Task A_delegate_subscription_is_not_filtered_only_handler_classes_are()
    {
        var log = new FilterLog();
        await using var provider = new ServiceCollection()
            .AddSingleton(log)
            .AddScoped<ScopedProbe>()
            .AddEventBus().AddFilter<GlobalA>().AddHandler<Job, JobHandler>().Services
            .BuildServiceProvider();
        var bus = provider.GetRequiredService<IEventBus>();
        var plain = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.Subscribe<Job>(_ =>
        {
            log.Steps.Enqueue("plain");
            plain.TrySetResult();
        });

        await bus.PublishAsync(new Job(1));
        await Wait.For(plain.Task, "the delegate subscription");
        await Wait.For(bus.CompleteAsync(), "the drain");

        log.Steps.Should().Contain("plain").And.Contain("handler");
        log.Steps.Count(s => s == "A>").Should().Be(1, "the filter wraps the handler class only");
    }

    [Fact]
    public async Task A_global_filter_that_cannot_be_created_stops_the_start_naming_the_filter_and_a_handler_it_wraps_once()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(new FilterLog())
                .AddScoped<ScopedProbe>()
                .AddEventBus()
                .AddFilter<NeedsMissingServiceFilter>()
                .AddHandler<Job, JobHandler>()
                .AddWorkQueue<Job, JobHandler>())
            .Build();

        var start = () => host.StartAsync();
        var error = (await start.Should().ThrowAsync<InvalidOperationException>()).Which;
        error.Message.Should().StartWith("An event bus handler filter cannot be created (each was resolved once when the host started):")
            .And.Contain($"{typeof(NeedsMissingServiceFilter).FullName} (filter around {typeof(JobHandler).FullName}, handler of Job): ")
            .And.Contain(typeof(MissingService).FullName);
        error.Message.Split(Environment.NewLine).Count(line => line.StartsWith(" - ", StringComparison.Ordinal)).Should().Be(1);
        error.InnerException.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain(nameof(MissingService));
    }

    [Fact]
    public async Task A_work_queues_own_filter_and_a_handler_that_cannot_be_created_are_listed_together()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(new FilterLog())
                .AddEventBus()
                .AddWorkQueue<Job, JobHandler>(null, f => f.Add<OwnC>().Add<NeedsMissingServiceFilter>()))
            .Build();

        var start = () => host.StartAsync();
        var error = (await start.Should().ThrowAsync<InvalidOperationException>()).Which;
        error.Message.Should().StartWith("2 event bus handler classes and filters cannot be created")
            .And.Contain($"{typeof(JobHandler).FullName} (handler of work queue 'Job'): ")
            .And.Contain($"{typeof(NeedsMissingServiceFilter).FullName} (filter around {typeof(JobHandler).FullName}, handler of work queue 'Job'): ")
            .And.NotContain(typeof(OwnC).FullName!, "a filter that can be created is not listed");
        error.InnerException.Should().BeOfType<AggregateException>().Which.InnerExceptions.Should().HaveCount(2);
    }

    [Fact]
    public async Task With_the_check_off_a_filter_that_cannot_be_created_fails_each_attempt_and_the_event_is_dead_lettered()
    {
        var deadLetters = new DeadLetterQueue();
        var log = new FilterLog();
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .Configure<EventBusHostOptions>(o => o.CheckHandlersOnStart = false)
                .AddSingleton(log)
                .AddScoped<ScopedProbe>()
                .AddEventBus(o => o.DeadLetterSink = deadLetters)
                .AddHandler<Job, JobHandler>(o => o.RetryPolicy = RetryPolicy.None, f => f.Add<NeedsMissingServiceFilter>()))
            .Build();

        await host.StartAsync();
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(new Job(1));
        await host.StopAsync();

        log.Attempts.Should().Be(0);
        deadLetters.ToList().Should().ContainSingle()
            .Which.Exception.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain(nameof(MissingService));
    }

    [Fact]
    public async Task Filters_pass_the_start_up_check_when_they_can_be_created()
    {
        var log = new FilterLog();
        using var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(log)
                .AddScoped<ScopedProbe>()
                .AddEventBus()
                .AddFilter<GlobalA>()
                .AddHandler<Job, JobHandler>(null, f => f.Add<OwnC>()))
            .Build();

        await host.StartAsync();
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(new Job(1));
        await host.StopAsync();

        log.Steps.Should().Equal("A>", "C>", "handler", "<C", "<A");
    }
}
