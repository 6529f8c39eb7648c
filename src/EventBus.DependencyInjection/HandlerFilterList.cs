using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventBus;

/// <summary>
/// The filters of one handler registration, innermost last: given to the <c>filters</c> delegate of the
/// <c>AddHandler</c> and <c>AddWorkQueue</c> overloads that take one. They run after the bus's global filters
/// (<c>AddFilter</c>) and before the handler.
/// </summary>
public sealed class HandlerFilterList
{
    private readonly IServiceCollection _services;
    private readonly List<Type> _filters = [];

    internal HandlerFilterList(IServiceCollection services) => _services = services;

    /// <summary>Adds <typeparamref name="TFilter"/> after the filters already in the list, and registers it as scoped
    /// unless it is registered already. Adding a filter type that is already in the list adds nothing.</summary>
    /// <typeparam name="TFilter">The filter class, resolved from the event's scope for every attempt.</typeparam>
    /// <returns>This list, to add more.</returns>
    public HandlerFilterList Add<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter>()
        where TFilter : class, IHandlerFilter
    {
        if (!_filters.Contains(typeof(TFilter)))
        {
            _services.TryAddScoped<TFilter>();
            _filters.Add(typeof(TFilter));
        }

        return this;
    }

    /// <summary>Runs <paramref name="configure"/> on a new list and returns its filter types, in order.</summary>
    internal static Type[] Build(IServiceCollection services, Action<HandlerFilterList> configure)
    {
        var list = new HandlerFilterList(services);
        configure(list);
        return [.. list._filters];
    }
}
