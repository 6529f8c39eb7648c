using System.Diagnostics.CodeAnalysis;
using EventBus;
using EventBus.Sqlite;
using EventBus.Sqlite.DependencyInjection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers durable work queues (EventBus.Sqlite) with the event bus registered by <c>AddEventBus</c>.</summary>
public static class SqliteEventBusBuilderExtensions
{
    /// <summary>
    /// Registers a durable work queue of <typeparamref name="T"/>, kept in the SQLite file of <paramref name="persistence"/>,
    /// whose items are handled by <typeparamref name="THandler"/>, one scope per item. The same call as the in-memory
    /// <c>AddWorkQueue&lt;T, THandler&gt;(configure)</c>, with the persistence added: producers inject
    /// <see cref="IWorkQueue{T}"/> (or <see cref="SqliteWorkQueue{T}"/>, for the outbox, statistics and dead letters), the
    /// queue starts with the host and is drained when the host stops, after the bus; health checks and the start-up check
    /// of handler classes see it.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="THandler">The handler class, registered as scoped unless already registered.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="persistence">The database file and the items' JSON metadata; checked here, read when the queue is created.</param>
    /// <param name="configure">Configures the queue (workers, capacity, retries...), as for an in-memory queue; it runs when the
    /// queue is created, and <see cref="WorkQueueOptions{T}.Shared"/> is the bus's options.</param>
    /// <returns>The builder.</returns>
    /// <remarks>The queue's name (its rows carry it, so it must stay the same across restarts) is the item type's name.
    /// Opening the file can fail when the host starts (another process owns it, its directory is missing, it is
    /// read-only): the start then fails with that exception.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="persistence"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="persistence"/> has no <see cref="SqliteStorageOptions.Path"/>.</exception>
    /// <exception cref="InvalidOperationException">An unnamed work queue of <typeparamref name="T"/> (durable or in memory) is
    /// already registered with other arguments (the same call made twice adds nothing).</exception>
    public static IEventBusBuilder AddWorkQueue<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IEventBusBuilder builder, SqliteQueueOptions<T> persistence, Action<WorkQueueOptions<T>>? configure = null)
        where THandler : class, IWorkItemHandler<T>
    {
        ArgumentNullException.ThrowIfNull(builder);
        CheckPersistence(persistence);
        return new SqliteWorkQueueRegistration<T, THandler>(typeof(T).Name, isNamed: false, persistence, configure).AddTo(builder);
    }

    /// <summary>
    /// Registers a durable work queue of <typeparamref name="T"/> handled by <typeparamref name="THandler"/>, as
    /// <see cref="AddWorkQueue{T, THandler}(IEventBusBuilder, SqliteQueueOptions{T}, Action{WorkQueueOptions{T}}?)"/> does, with
    /// filters of its own around the handler (inside the bus's global filters, <c>AddFilter&lt;TFilter&gt;()</c>): the same
    /// <paramref name="filters"/> shape as the in-memory <c>AddWorkQueue&lt;T, THandler&gt;(configure, filters)</c>.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="THandler">The handler class, registered as scoped unless already registered.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="persistence">The database file and the items' JSON metadata; checked here, read when the queue is created.</param>
    /// <param name="configure">Configures the queue; may be <see langword="null"/>.</param>
    /// <param name="filters">Adds the queue's filters, outermost first (<c>f =&gt; f.Add&lt;TransactionFilter&gt;()</c>); run here,
    /// once. Each filter class is registered as scoped unless already registered.</param>
    /// <returns>The builder.</returns>
    /// <remarks>The filters run for every attempt, redeliveries after a restart included: an item the previous process had
    /// claimed goes through the whole pipeline again, with <see cref="EventContext.Redelivered"/> set.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="persistence"/> or
    /// <paramref name="filters"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="persistence"/> has no <see cref="SqliteStorageOptions.Path"/>.</exception>
    /// <exception cref="InvalidOperationException">An unnamed work queue of <typeparamref name="T"/> (durable or in memory) is
    /// already registered with other arguments, other filters included.</exception>
    public static IEventBusBuilder AddWorkQueue<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IEventBusBuilder builder, SqliteQueueOptions<T> persistence, Action<WorkQueueOptions<T>>? configure, Action<HandlerFilterList> filters)
        where THandler : class, IWorkItemHandler<T>
    {
        ArgumentNullException.ThrowIfNull(builder);
        CheckPersistence(persistence);
        ArgumentNullException.ThrowIfNull(filters);
        var own = HandlerFilterList.Build(builder.Services, filters);
        return new SqliteWorkQueueRegistration<T, THandler>(typeof(T).Name, isNamed: false, persistence, configure, own).AddTo(builder);
    }

    /// <summary>
    /// Registers a named durable work queue of <typeparamref name="T"/>, so several queues of one item type can coexist (and
    /// share one file: rows carry the queue's name). Producers inject it as a keyed service:
    /// <c>[FromKeyedServices("name")] IWorkQueue&lt;T&gt;</c>.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="THandler">The handler class, registered as scoped unless already registered.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="name">The queue's name: its service key, its rows' queue name in the file, and its name in logs and metrics.</param>
    /// <param name="persistence">The database file and the items' JSON metadata.</param>
    /// <param name="configure">Configures the queue; see <see cref="AddWorkQueue{T, THandler}(IEventBusBuilder, SqliteQueueOptions{T}, Action{WorkQueueOptions{T}}?)"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="persistence"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space, or <paramref name="persistence"/>
    /// has no <see cref="SqliteStorageOptions.Path"/>.</exception>
    /// <exception cref="InvalidOperationException">A queue of <typeparamref name="T"/> with this name is already registered with
    /// other arguments.</exception>
    public static IEventBusBuilder AddWorkQueue<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IEventBusBuilder builder, string name, SqliteQueueOptions<T> persistence, Action<WorkQueueOptions<T>>? configure = null)
        where THandler : class, IWorkItemHandler<T>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        CheckPersistence(persistence);
        return new SqliteWorkQueueRegistration<T, THandler>(name, isNamed: true, persistence, configure).AddTo(builder);
    }

    /// <summary>
    /// Registers a named durable work queue of <typeparamref name="T"/>, as
    /// <see cref="AddWorkQueue{T, THandler}(IEventBusBuilder, string, SqliteQueueOptions{T}, Action{WorkQueueOptions{T}}?)"/> does,
    /// with filters of its own around the handler (inside the bus's global filters).
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="THandler">The handler class, registered as scoped unless already registered.</typeparam>
    /// <param name="builder">The bus builder.</param>
    /// <param name="name">The queue's name: its service key, its rows' queue name in the file, and its name in logs and metrics.</param>
    /// <param name="persistence">The database file and the items' JSON metadata.</param>
    /// <param name="configure">Configures the queue; may be <see langword="null"/>.</param>
    /// <param name="filters">Adds the queue's filters, outermost first; run here, once. Each filter class is registered as
    /// scoped unless already registered.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="persistence"/> or
    /// <paramref name="filters"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space, or <paramref name="persistence"/>
    /// has no <see cref="SqliteStorageOptions.Path"/>.</exception>
    /// <exception cref="InvalidOperationException">A queue of <typeparamref name="T"/> with this name is already registered with
    /// other arguments, other filters included.</exception>
    public static IEventBusBuilder AddWorkQueue<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IEventBusBuilder builder, string name, SqliteQueueOptions<T> persistence, Action<WorkQueueOptions<T>>? configure, Action<HandlerFilterList> filters)
        where THandler : class, IWorkItemHandler<T>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        CheckPersistence(persistence);
        ArgumentNullException.ThrowIfNull(filters);
        var own = HandlerFilterList.Build(builder.Services, filters);
        return new SqliteWorkQueueRegistration<T, THandler>(name, isNamed: true, persistence, configure, own).AddTo(builder);
    }

    private static void CheckPersistence<T>(SqliteQueueOptions<T> persistence)
    {
        ArgumentNullException.ThrowIfNull(persistence);
        if (persistence.Storage.Path is null)
        {
            throw new ArgumentException("SqliteQueueOptions<T>.Storage.Path must be set to the database file's path.", nameof(persistence));
        }
    }
}
