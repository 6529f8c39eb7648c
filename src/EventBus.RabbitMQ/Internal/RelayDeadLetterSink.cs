using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EventBus.RabbitMQ.Internal;

/// <summary>
/// Wraps a dead-letter sink of the application's own, so that local dead letters of events that came from
/// the broker are copied to the dead-letter exchange too. (The default <see cref="DeadLetterQueue"/> is not
/// wrapped: the bridge listens to its <see cref="DeadLetterQueue.Added"/> event instead, so work queues keep
/// their <c>DeadLetters</c> and re-drive.)
/// </summary>
internal sealed class RelayDeadLetterSink(IDeadLetterSink inner, IServiceProvider services) : IDeadLetterSink
{
    public async ValueTask WriteAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        await inner.WriteAsync(deadLetter, cancellationToken).ConfigureAwait(false);
        services.GetRequiredService<RabbitMQBridge>().OnLocalDeadLetter(deadLetter);
    }

    /// <summary>Installs the wrapper on the bus's options when the sink is not the default queue.</summary>
    internal sealed class Installer(IServiceProvider services) : IPostConfigureOptions<EventBusOptions>
    {
        public void PostConfigure(string? name, EventBusOptions options)
        {
            if (options.DeadLetterSink is not (DeadLetterQueue or RelayDeadLetterSink))
            {
                options.DeadLetterSink = new RelayDeadLetterSink(options.DeadLetterSink, services);
            }
        }
    }
}
