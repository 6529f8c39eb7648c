namespace EventBus.Benchmarks.CrossThread;

/// <summary>
/// A row's consumers and the check that keeps a broken row from reporting a fast time: every
/// consumer must count exactly the armed number of deliveries, none may arrive after the run
/// (checked when the next run is armed, and at the end), and a run that does not complete within
/// a minute throws instead of hanging.
/// </summary>
public sealed class ConsumerGroup : IDisposable
{
    private readonly CountingConsumer[] _consumers;
    private readonly string _row;
    private long _expected;

    public ConsumerGroup(string row, int consumers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers, 1);
        _row = row;
        _consumers = new CountingConsumer[consumers];
        for (var i = 0; i < consumers; i++)
        {
            _consumers[i] = new CountingConsumer();
        }
    }

    public CountingConsumer this[int index] => _consumers[index];

    public int Count => _consumers.Length;

    /// <summary>Total deliveries verified so far, over every run and consumer.</summary>
    public long Verified { get; private set; }

    /// <summary>Arms every consumer for <paramref name="deliveriesEach"/> deliveries, after checking that the last run left no stragglers.</summary>
    public void Arm(long deliveriesEach)
    {
        CheckQuiet();
        foreach (var consumer in _consumers)
        {
            consumer.Done.Arm(deliveriesEach);
        }

        _expected = deliveriesEach;
    }

    /// <summary>Waits for every consumer's armed count, then checks that none got more.</summary>
    public void WaitAndVerify()
    {
        foreach (var consumer in _consumers)
        {
            consumer.Done.Wait();
        }

        CheckQuiet();
        Verified += _expected * _consumers.Length;
    }

    /// <summary>Throws if any consumer's count differs from what it was armed for (a lost or duplicated delivery).</summary>
    public void CheckQuiet()
    {
        for (var i = 0; i < _consumers.Length; i++)
        {
            var count = _consumers[i].Done.Count;
            if (count != _expected)
            {
                throw new InvalidOperationException(
                    $"Row {_row}: consumer {i} counted {count} deliveries where {_expected} were published to it.");
            }
        }
    }

    public void Dispose()
    {
        foreach (var consumer in _consumers)
        {
            consumer.Dispose();
        }
    }
}
