using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventBus.RabbitMQ.Internal;

/// <summary>An event type forwarded from the local bus to the exchange (<c>Publish&lt;T&gt;</c>).</summary>
internal abstract class OutboundRegistration(string? topic)
{
    internal string? Topic { get; } = topic;

    internal abstract MessageType Type { get; }

    internal string RoutingKey => Topic ?? Type.Name;

    /// <summary>Subscribes the forwarder on the local bus.</summary>
    internal abstract IEventSubscription Subscribe(IEventBus bus, RabbitMQBridge bridge, RabbitMQOptions options);
}

internal sealed class OutboundRegistration<T>(MessageType<T> type, string? topic) : OutboundRegistration(topic)
{
    internal override MessageType Type => type;

    internal override IEventSubscription Subscribe(IEventBus bus, RabbitMQBridge bridge, RabbitMQOptions options)
    {
        var routingKey = RoutingKey;
        return bus.Subscribe<T>(
            (@event, context, cancellationToken) => bridge.ForwardAsync(type, routingKey, @event, context, cancellationToken),
            new SubscriptionOptions
            {
                Name = $"rabbitmq-publish:{routingKey}",
                Topic = Topic,
                Capacity = options.ForwardCapacity,
                FullMode = options.ForwardFullMode,
                RetryPolicy = ForwardRetries(options.ForwardRetryPolicy),
                MaxConcurrency = 1,
            });
    }

    /// <summary>The forward policy, except that a failure no retry can fix is not retried.</summary>
    private static RetryPolicy ForwardRetries(RetryPolicy policy)
    {
        var inner = policy.ShouldRetry;
        return policy.WithShouldRetry(ex => !RabbitMQBridge.IsPermanentForwardFailure(ex) && (inner is null || inner(ex)));
    }
}

/// <summary>An event type received on this instance's own queue and published on the local bus (<c>Subscribe&lt;T&gt;</c>).</summary>
internal abstract class SubscriptionRegistration(string? topic)
{
    internal string? Topic { get; } = topic;

    internal abstract MessageType Type { get; }

    internal string RoutingKey => Topic ?? Type.Name;

    internal abstract InboundHandler CreateHandler(RabbitMQBridge bridge);
}

internal sealed class SubscriptionRegistration<T>(MessageType<T> type, string? topic) : SubscriptionRegistration(topic)
{
    internal override MessageType Type => type;

    internal override InboundHandler CreateHandler(RabbitMQBridge bridge) => new RelayHandler<T>(bridge, type, Topic);
}

/// <summary>A message type consumed from a shared queue into a local work queue (<c>Consume&lt;T&gt;</c>).</summary>
internal abstract class ConsumerRegistration(string queueName, string? topic)
{
    internal string QueueName { get; } = queueName;

    internal string? Topic { get; } = topic;

    internal abstract MessageType Type { get; }

    internal string RoutingKey => Topic ?? Type.Name;

    internal abstract void AddServices(IServiceCollection services);

    internal abstract InboundHandler CreateHandler(RabbitMQBridge bridge);
}

internal sealed class ConsumerRegistration<T>(
    MessageType<T> type,
    string queueName,
    string? topic,
    Action<WorkQueueOptions<T>>? configure,
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type? handlerType,
    Func<IServiceProvider, T, EventContext, CancellationToken, ValueTask> invoke) : ConsumerRegistration(queueName, topic)
    where T : class
{
    internal override MessageType Type => type;

    internal override void AddServices(IServiceCollection services)
    {
        if (handlerType is not null)
        {
            services.TryAdd(ServiceDescriptor.Scoped(handlerType, handlerType));
        }
    }

    internal override InboundHandler CreateHandler(RabbitMQBridge bridge) =>
        new WorkQueueHandler<T>(bridge, type, QueueName, configure, invoke);
}

/// <summary>Runs a handler class for one work item in a scope of its own, as <c>AddWorkQueue</c> does.</summary>
internal static class HandlerInvocation
{
    internal static async ValueTask Scoped<T, THandler>(IServiceProvider services, T item, EventContext context, CancellationToken cancellationToken)
        where THandler : class, IWorkItemHandler<T>
    {
        var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var handler = scope.ServiceProvider.GetRequiredService<THandler>();
            await handler.HandleAsync(item, context, cancellationToken).ConfigureAwait(false);
        }
    }
}
