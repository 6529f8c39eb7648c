using System.Collections.Concurrent;

namespace EventBus.Tests.TestUtilities;

/// <summary>Records what a handler received, thread-safely, and signals when enough arrived.</summary>
public sealed class Recorder<T>
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly Countdown _expected;

    public Recorder(int expected = 0) => _expected = new Countdown(expected);

    public IReadOnlyList<T> Items => [.. _items];

    public int Count => _items.Count;

    public void Record(T item)
    {
        _items.Enqueue(item);
        _expected.Signal();
    }

    public Task WaitAsync(string what = "events") => _expected.WaitAsync(what);
}
