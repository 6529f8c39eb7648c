using System.Collections.Concurrent;
using CsCheck;
using EventBus.Consumers;
using Xunit.Abstractions;

namespace EventBus.Tests.Consumers;

/// <summary>
/// The ring's operations run in parallel must leave it, and their own answers, as some sequential order of
/// the same operations would (CsCheck's SampleParallel replays the permutations). Reads compete, so this
/// covers a single reader and competing readers alike: the ring has one read path for both.
/// </summary>
public sealed class RingBufferLinearizabilityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(3, 2)]
    [InlineData(100, 28)]
    public void Writes_reads_put_backs_and_close_are_linearizable(int capacity, int overflow)
    {
        // The ring starts somewhere in its laps, so histories cross the wrap-around and chunk boundaries.
        Gen.Int[0, 300].Select(advance => new RingModel(capacity, overflow, advance))
            .SampleParallel(
                [
                    Gen.Int[0, 1_000_000].Operation<RingModel>(n => $"Write({n})", (ring, n) => ring.Write(n, overflow: false)),
                    Gen.Int[0, 1_000_000].Operation<RingModel>(n => $"WriteOverflow({n})", (ring, n) => ring.Write(n, overflow: true)),
                    Gen.Int[0, 1_000_000].Operation<RingModel>(n => $"PutBack({n})", (ring, n) => ring.PutBack(n)),
                    Gen.Int[0, 1_000_000].Operation<RingModel>(n => $"Read({n})", (ring, n) => ring.Read(n)),
                    Gen.Int[0, 1_000_000].Operation<RingModel>(n => $"Read({n})", (ring, n) => ring.Read(n)),
                    Gen.Operation<RingModel>("Close", ring => ring.Close()),
                ],
                equal: RingModel.Same,
                iter: 400,
                print: ring => ring.ToString(),
                writeLine: output.WriteLine);
    }

    /// <summary>A ring and every answer it gave, keyed by the operation's generated tag.</summary>
    private sealed class RingModel
    {
        private readonly RingBuffer<int> _ring;
        private readonly ConcurrentBag<(int Tag, string Answer)> _answers = [];
        private List<int>? _left;

        public RingModel(int capacity, int overflow, int advance)
        {
            _ring = new RingBuffer<int>(capacity, overflow, readers: 2);
            for (var i = 0; i < advance; i++)
            {
                _ring.TryWrite(new WorkItem<int>(-1, null));
                _ring.TryRead(out _);
            }
        }

        public void Write(int n, bool overflow) => _answers.Add((n, $"write {_ring.TryWrite(new WorkItem<int>(n, null), overflow)}"));

        public void PutBack(int n) => _answers.Add((n, $"put back {_ring.TryPutBack(new WorkItem<int>(n, null))}"));

        public void Read(int n) => _answers.Add((n, _ring.TryRead(out var item) ? $"read {item.Item}" : "read nothing"));

        public void Close() => _ring.Close();

        public static bool Same(RingModel a, RingModel b) =>
            a.Left().SequenceEqual(b.Left()) && a._ring.Written == b._ring.Written && a.Answers().SequenceEqual(b.Answers());

        public override string ToString() => $"written {_ring.Written}, left [{string.Join(", ", Left())}], answers [{string.Join("; ", Answers())}]";

        private List<int> Left()
        {
            // Read out once, when the histories are compared (operations have all returned by then). Under a lock:
            // CsCheck may compare one model with several linearizations at once, and two read-outs would split it.
            lock (_answers)
            {
                if (_left is null)
                {
                    _left = [];
                    while (_ring.TryRead(out var item))
                    {
                        _left.Add(item.Item);
                    }
                }

                return _left;
            }
        }

        private IEnumerable<string> Answers() => _answers.OrderBy(a => a.Tag).ThenBy(a => a.Answer, StringComparer.Ordinal).Select(a => $"{a.Tag}: {a.Answer}");
    }
}
