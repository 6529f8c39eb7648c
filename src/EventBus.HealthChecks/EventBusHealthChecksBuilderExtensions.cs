using EventBus;
using EventBus.HealthChecks.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the event bus health check to a health checks builder.</summary>
public static class EventBusHealthChecksBuilderExtensions
{
    /// <summary>The default name of the check.</summary>
    public const string DefaultName = "eventbus";

    /// <summary>
    /// Adds a health check of the container's event bus (<c>AddEventBus</c>): every live subscription of
    /// <see cref="IEventBus.Subscriptions"/> and every work queue registered with <c>AddWorkQueue</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="configure">Sets the thresholds; run here, once, so a bad value throws at this call.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">What a stalled consumer reports; <see langword="null"/> for <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by (a readiness probe, say).</param>
    /// <param name="timeout">How long the check may run; <see langword="null"/> for no limit.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// <para>The check reports <see cref="HealthStatus.Degraded"/> when a consumer's buffer was at or above
    /// <see cref="EventBusHealthCheckOptions.FillRatio"/> at this check and the previous one, or when its
    /// dead letters grew since the previous check (for the first check: since it was created); and
    /// <paramref name="failureStatus"/> when a consumer with pending work finished nothing for
    /// <see cref="EventBusHealthCheckOptions.StallTimeout"/>. The result's data names each culprit
    /// ("subscription 'name'" or "work queue 'name'") with what was found.</para>
    /// <para>Its state (the previous readings) lives in the container, one per check name.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or whitespace.</exception>
    public static IHealthChecksBuilder AddEventBus(
        this IHealthChecksBuilder builder,
        Action<EventBusHealthCheckOptions>? configure = null,
        string name = DefaultName,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = new EventBusHealthCheckOptions();
        configure?.Invoke(options);

        builder.Services.AddKeyedSingleton(name, (services, _) => new ConsumerReadings(options, services.GetService<TimeProvider>() ?? TimeProvider.System));
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new EventBusHealthCheck(
                services.GetRequiredService<IEventBus>(),
                services.GetServices<IRegisteredWorkQueue>(),
                services.GetRequiredKeyedService<ConsumerReadings>(name)),
            failureStatus,
            tags,
            timeout));
    }
}
