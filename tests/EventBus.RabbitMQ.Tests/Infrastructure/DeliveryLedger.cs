using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace EventBus.RabbitMQ.Tests.Infrastructure;

/// <summary>
/// What a proof test sent and what became of it, by message key: sent, confirmed by the broker, handled (and how
/// often), dead-lettered. <see cref="Report"/> sums it up as sent, confirmed, handled, duplicates, dead-lettered
/// and lost, where lost is a sent message that was neither handled nor dead-lettered.
/// </summary>
public sealed class DeliveryLedger<TKey>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, byte> _sent = new();
    private readonly ConcurrentDictionary<TKey, int> _handled = new();
    private readonly ConcurrentDictionary<TKey, byte> _deadLettered = new();
    private readonly ConcurrentDictionary<TKey, byte> _settled = new();
    private readonly TaskCompletionSource _allSettled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected = -1;

    public void Sent(TKey key) => _sent.TryAdd(key, 0);

    /// <summary>Records one handling of <paramref name="key"/>; returns how many times it has been handled now.</summary>
    public int Handled(TKey key)
    {
        var times = _handled.AddOrUpdate(key, 1, static (_, n) => n + 1);
        _settled.TryAdd(key, 0);
        CheckSettled();
        return times;
    }

    public void DeadLettered(TKey key)
    {
        _deadLettered.TryAdd(key, 0);
        _settled.TryAdd(key, 0);
        CheckSettled();
    }

    public int DistinctHandled => _handled.Count;

    public int Settled => _settled.Count;

    public int HandledTimes(TKey key) => _handled.GetValueOrDefault(key);

    /// <summary>Completes once <paramref name="count"/> distinct messages were handled or dead-lettered.</summary>
    public Task WhenSettledAsync(int count)
    {
        Volatile.Write(ref _expected, count);
        CheckSettled();
        return _allSettled.Task;
    }

    public DeliveryReport Report(long confirmed)
    {
        var lost = 0;
        foreach (var key in _sent.Keys)
        {
            if (!_handled.ContainsKey(key) && !_deadLettered.ContainsKey(key))
            {
                lost++;
            }
        }

        var total = 0;
        foreach (var times in _handled.Values)
        {
            total += times;
        }

        return new DeliveryReport(_sent.Count, confirmed, _handled.Count, total - _handled.Count, _deadLettered.Count, lost);
    }

    private void CheckSettled()
    {
        var expected = Volatile.Read(ref _expected);
        if (expected >= 0 && _settled.Count >= expected)
        {
            _allSettled.TrySetResult();
        }
    }
}

/// <summary>The numbers every proof test reports.</summary>
/// <param name="Sent">Messages sent (published locally through the bridge, or raw).</param>
/// <param name="Confirmed">Publishes the broker confirmed (some perhaps twice, after a lost confirm).</param>
/// <param name="Handled">Distinct messages a handler ran for.</param>
/// <param name="Duplicates">Handler runs beyond the first per message (redeliveries after a crash or restart).</param>
/// <param name="DeadLettered">Distinct messages that went to a dead-letter exchange or sink on purpose.</param>
/// <param name="Lost">Sent messages neither handled nor dead-lettered: must be 0.</param>
public sealed record DeliveryReport(int Sent, long Confirmed, int Handled, int Duplicates, int DeadLettered, int Lost)
{
    /// <summary>Writes the report to the test's output and returns it.</summary>
    public DeliveryReport WriteTo(ITestOutputHelper output, string scenario)
    {
        output.WriteLine($"{scenario}: {this}");
        return this;
    }

    public override string ToString() =>
        $"sent {Sent}, confirmed {Confirmed}, handled {Handled}, duplicates {Duplicates}, dead-lettered {DeadLettered}, lost {Lost}";
}
