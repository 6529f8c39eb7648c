using System.Collections.Concurrent;
using CsCheck;

namespace EventBus.Reliability.Tests;

/// <summary>
/// Scenario 20: operations run in parallel must leave the bus in a state that some sequential order
/// of the same operations would also produce (CsCheck's SampleParallel tries every permutation).
/// </summary>
public sealed class LinearizabilityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(DeliveryMode.Queued)]
    [InlineData(DeliveryMode.Inline)]
    public void Scenario20_publish_subscribe_dispose_and_complete_are_linearizable(DeliveryMode mode)
    {
        var runs = 0;
        Gen.Const(0).Select(_ => { Interlocked.Increment(ref runs); return new BusModel(mode); })
            .SampleParallel(
                [
                    Gen.Int[0, 999].Operation<BusModel>(n => $"Publish({n})", (bus, n) => bus.Publish(n)),
                    Gen.Int[0, 999].Operation<BusModel>(n => $"PublishSync({n})", (bus, n) => bus.PublishSync(n)),
                    Gen.Int[0, 2].Operation<BusModel>(k => $"Subscribe({k})", (bus, k) => bus.Subscribe(k)),
                    Gen.Int[0, 2].Operation<BusModel>(k => $"Unsubscribe({k})", (bus, k) => bus.Unsubscribe(k)),
                    Gen.Operation<BusModel>("Complete", bus => bus.Complete()),
                ],
                equal: BusModel.SameObservableState,
                iter: 300,
                print: bus => bus.ToString(),
                writeLine: output.WriteLine);
        output.WriteLine($"scenario 20 ({mode}): 300 parallel histories, {runs} bus instances (parallel runs plus sequential permutations)");
    }

    /// <summary>The bus plus what an observer can see of it: publish and subscribe outcomes, and what
    /// each subscription slot received once everything accepted was delivered.</summary>
    private sealed class BusModel
    {
        private readonly IEventBus _bus = EventBusFactory.Create();
        private readonly DeliveryMode _mode;
        private readonly ConcurrentDictionary<int, IEventSubscription> _slots = new();
        private readonly ConcurrentDictionary<int, ConcurrentBag<int>> _received = new();
        private readonly ConcurrentBag<int> _accepted = [];
        private readonly ConcurrentBag<int> _refused = [];
        private readonly ConcurrentBag<int> _refusedSubscribes = [];

        public BusModel(DeliveryMode mode) => _mode = mode;

        public void Publish(int n)
        {
            try
            {
                _bus.PublishAsync(new Ping(0, n)).AsTask().GetAwaiter().GetResult();
                _accepted.Add(n);
            }
            catch (ObjectDisposedException)
            {
                _refused.Add(n);
            }
        }

        public void PublishSync(int n)
        {
            try
            {
                _bus.Publish(new Ping(0, n));
                _accepted.Add(n);
            }
            catch (ObjectDisposedException)
            {
                _refused.Add(n);
            }
        }

        public void Subscribe(int slot)
        {
            var received = _received.GetOrAdd(slot, _ => []);
            lock (_slots)
            {
                if (_slots.ContainsKey(slot))
                {
                    return;
                }

                try
                {
                    _slots[slot] = _bus.Subscribe<Ping>(p => received.Add(p.Sequence), new SubscriptionOptions { Mode = _mode });
                }
                catch (ObjectDisposedException)
                {
                    _refusedSubscribes.Add(slot);
                }
            }
        }

        public void Unsubscribe(int slot)
        {
            // The slot stays taken until the disposal returned, so the model's Unsubscribe is one step as
            // a sequential history sees it. (Freeing it first let a parallel Subscribe put a second
            // subscription in the slot while the first could still, correctly, receive events: the bag
            // then held an event twice, which no sequential order of the model can produce.)
            lock (_slots)
            {
                if (_slots.TryGetValue(slot, out var subscription))
                {
                    subscription.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    _slots.TryRemove(slot, out _);
                }
            }
        }

        public void Complete() => _bus.CompleteAsync().AsTask().GetAwaiter().GetResult();

        public static bool SameObservableState(BusModel a, BusModel b)
        {
            a.Complete();
            b.Complete();

            // A publish racing with Complete may reach some subscriptions before it is refused
            // (documented); which ones is not part of the observable contract.
            var refused = a._refused.ToHashSet();
            return Same(a._accepted, b._accepted)
                && Same(a._refused, b._refused)
                && Same(a._refusedSubscribes, b._refusedSubscribes)
                && Enumerable.Range(0, 3).All(slot =>
                    Same(Received(a, slot).Where(n => !refused.Contains(n)), Received(b, slot).Where(n => !refused.Contains(n))));
        }

        public override string ToString() =>
            $"accepted [{string.Join(",", _accepted.Order())}] refused [{string.Join(",", _refused.Order())}] " +
            string.Join(" ", Enumerable.Range(0, 3).Select(s => $"slot{s} [{string.Join(",", Received(this, s).Order())}]"));

        private static IEnumerable<int> Received(BusModel model, int slot) =>
            model._received.TryGetValue(slot, out var bag) ? bag : [];

        private static bool Same(IEnumerable<int> x, IEnumerable<int> y) => x.Order().SequenceEqual(y.Order());
    }
}
