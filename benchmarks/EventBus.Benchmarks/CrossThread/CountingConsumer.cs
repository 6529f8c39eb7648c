using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.CrossThread;

/// <summary>
/// One consumer of a round-robin row: the handler work every suite shares (<see cref="Sink"/>), then
/// the delivery count the row waits on and verifies. <see cref="Handle(ClassEvent)"/> is for a
/// consumer with one thread (a plain store), <see cref="HandleCompeting"/> for one that several
/// workers call at once (an interlocked increment): the same split as the BenchmarkDotNet suites.
/// </summary>
public sealed class CountingConsumer : IDisposable
{
    private readonly Sink _sink = new();

    public Completion Done { get; } = new();

    public void Handle(ClassEvent e)
    {
        _sink.Handle(e);
        Done.OnHandledSingleConsumer();
    }

    public void Handle(StructEvent e)
    {
        _sink.Handle(e);
        Done.OnHandledSingleConsumer();
    }

    public void HandleCompeting(ClassEvent e)
    {
        _sink.Handle(e);
        Done.OnHandled();
    }

    /// <summary>The handler as a delegate of the row's event type: class or struct events, one thread; class events, competing workers.</summary>
    public Action<T> Handler<T>(bool competing = false)
    {
        if (typeof(T) == typeof(ClassEvent))
        {
            return (Action<T>)(object)(competing ? HandleCompeting : (Action<ClassEvent>)Handle);
        }

        if (typeof(T) == typeof(StructEvent) && !competing)
        {
            return (Action<T>)(object)(Action<StructEvent>)Handle;
        }

        throw new NotSupportedException($"No {(competing ? "competing " : "")}handler for {typeof(T).Name}.");
    }

    public void Dispose() => Done.Dispose();
}
