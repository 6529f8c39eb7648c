using System.Globalization;
using EventBus.Sqlite.CrashPeer;

namespace EventBus.Sqlite.Tests.Crash;

/// <summary>
/// What the crash peers said, across all rounds: the enqueues that returned (E), every successful handling (P,
/// with the redelivered flag), and the redeliveries announced at each start (READY). It checks, after a drain,
/// that nothing acknowledged was lost, that duplicates stayed within what was in flight at the kills, and that
/// each key's items were handled in order.
/// </summary>
internal sealed class CrashLedger
{
    private readonly HashSet<long> _enqueued = [];
    private readonly Dictionary<long, int> _handled = [];
    private readonly Dictionary<string, long> _lastOfKey = [];
    private readonly List<string> _problems = [];
    private long _redeliveredSinceCheck;
    private long _duplicatesSinceCheck;

    public long Enqueued => _enqueued.Count;

    public long Handled => _handled.Count;

    public long Duplicates { get; private set; }

    public long Redelivered { get; private set; }

    public IReadOnlyCollection<long> EnqueuedNumbers => _enqueued;

    /// <summary>Records one line; returns false for a line that is not part of the protocol.</summary>
    public bool Record(string line)
    {
        var parts = line.Split(' ');
        switch (parts[0])
        {
            case "READY":
                var redelivered = long.Parse(parts[2], CultureInfo.InvariantCulture);
                _redeliveredSinceCheck += redelivered;
                Redelivered += redelivered;
                return true;
            case "E":
                _enqueued.Add(long.Parse(parts[1], CultureInfo.InvariantCulture));
                return true;
            case "P":
                Handle(long.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture), parts[4] == "1");
                return true;
            case "DRAINED":
                return true;
            default:
                return false;
        }
    }

    /// <summary>Checks what must hold once the queue has been drained; <paramref name="deadLetters"/> are the numbers
    /// in the dead-letter table. Returns the problems found (empty when all is well).</summary>
    public IReadOnlyList<string> CheckAfterDrain(IReadOnlyCollection<long> deadLetters)
    {
        var problems = new List<string>(_problems);
        _problems.Clear();
        foreach (var number in _enqueued)
        {
            var poison = CrashPlan.IsPoison(number);
            if (poison && !deadLetters.Contains(number))
            {
                problems.Add($"poison item {number} was enqueued but is not in the dead letters");
            }
            else if (!poison && !_handled.ContainsKey(number))
            {
                problems.Add($"item {number} was enqueued (its enqueue returned) but never handled");
            }
        }

        foreach (var number in deadLetters)
        {
            if (!CrashPlan.IsPoison(number))
            {
                problems.Add($"item {number} is in the dead letters but is not poison");
            }
        }

        if (_duplicatesSinceCheck > _redeliveredSinceCheck)
        {
            problems.Add($"{_duplicatesSinceCheck} duplicate handlings, more than the {_redeliveredSinceCheck} items in flight at the kills");
        }

        _duplicatesSinceCheck = 0;
        _redeliveredSinceCheck = 0;
        return problems;
    }

    private void Handle(long number, int producer, bool redelivered)
    {
        if (CrashPlan.IsPoison(number))
        {
            _problems.Add($"poison item {number} was handled successfully");
        }

        if (_handled.TryGetValue(number, out var times))
        {
            _handled[number] = times + 1;
            Duplicates++;
            _duplicatesSinceCheck++;
            if (!redelivered)
            {
                _problems.Add($"item {number} was handled again without the redelivered flag");
            }

            return;
        }

        _handled[number] = 1;
        if (CrashPlan.PartitionKey(new CrashItem(number, producer)) is { } key)
        {
            if (_lastOfKey.TryGetValue(key, out var last) && last > number)
            {
                _problems.Add($"key {key}: item {number} was handled after item {last}, enqueued later by the same producer");
            }

            _lastOfKey[key] = Math.Max(number, last);
        }
    }
}
