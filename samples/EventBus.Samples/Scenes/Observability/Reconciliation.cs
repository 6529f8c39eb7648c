namespace EventBus.Samples.Scenes.Observability;

/// <summary>One fact as each signal reports it; null where a signal does not carry that fact.</summary>
internal sealed record Reconciliation(string Fact, long? Drain, long? Counters, long? Callbacks, long? DeadLetterQueue, long? Logs, long? Metrics = null, long? Spans = null)
{
    public bool Agrees
    {
        get
        {
            long? seen = null;
            foreach (var value in (ReadOnlySpan<long?>)[Drain, Counters, Callbacks, DeadLetterQueue, Logs, Metrics, Spans])
            {
                if (value is null)
                {
                    continue;
                }

                if (seen is not null && seen != value)
                {
                    return false;
                }

                seen = value;
            }

            return true;
        }
    }
}
