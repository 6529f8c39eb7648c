namespace EventBus.DependencyInjection.Internal;

/// <summary>
/// A handler class could not run because its service provider was being disposed: the container
/// refuses to create scopes once its disposal has begun. Never retried; the event is dead-lettered
/// with this explanation.
/// </summary>
internal sealed class ContainerDisposedException(Type handlerType, ObjectDisposedException inner) : ObjectDisposedException(
    $"The service provider was disposed while messages for {handlerType.Name} were still buffered, so no scope could be " +
    "created to handle them. Complete the bus and work queues (CompleteAsync) before disposing the provider, or run them " +
    "in the Generic Host, which drains them before disposing.",
    inner)
{
    /// <summary>Returns <paramref name="policy"/> made to give up at once on this exception (retrying cannot
    /// help once the container is gone) and to follow its own predicate for everything else.</summary>
    internal static RetryPolicy ExcludeFrom(RetryPolicy policy)
    {
        var userPredicate = policy.ShouldRetry;
        return policy.WithShouldRetry(error => error is not ContainerDisposedException && (userPredicate?.Invoke(error) ?? true));
    }

    /// <summary>Creates a scope, turning the container's refusal during its disposal into this exception.</summary>
    internal static Microsoft.Extensions.DependencyInjection.AsyncServiceScope CreateScope(
        Microsoft.Extensions.DependencyInjection.IServiceScopeFactory scopes, Type handlerType)
    {
        try
        {
            return Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateAsyncScope(scopes);
        }
        catch (ObjectDisposedException disposed)
        {
            throw new ContainerDisposedException(handlerType, disposed);
        }
    }
}
