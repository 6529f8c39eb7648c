namespace EventBus.DependencyInjection.Internal;

/// <summary>
/// A handler class could not run because its service provider was being disposed: the container
/// refuses to create scopes once its disposal has begun. Never retried; the event is dead-lettered
/// with this explanation.
/// </summary>
internal sealed class ContainerDisposedException(Type handlerType, ObjectDisposedException inner) : ObjectDisposedException(
    $"The service provider was disposed while events for {handlerType.Name} were still buffered, so no scope could be " +
    "created to handle them. Complete the bus (await bus.CompleteAsync()) before disposing the provider, or run it in the " +
    "Generic Host, which drains the bus before disposing.",
    inner);
