namespace EventBus.Benchmarks.Infrastructure;

/// <summary>
/// Median and spread of a set of samples (one per round): quartiles by linear interpolation
/// between the closest ranks, so p25 and p75 of a handful of rounds stay meaningful.
/// </summary>
public sealed record Distribution(int Count, double Median, double P25, double P75, double Min, double Max)
{
    public static readonly Distribution Empty = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    public static Distribution Of(IEnumerable<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var sorted = samples.Where(double.IsFinite).Order().ToArray();
        return sorted.Length == 0
            ? Empty
            : new Distribution(sorted.Length, Quantile(sorted, 0.5), Quantile(sorted, 0.25), Quantile(sorted, 0.75), sorted[0], sorted[^1]);
    }

    /// <summary>The q-quantile of an ascending array (the "type 7" estimator of R and NumPy's default).</summary>
    public static double Quantile(double[] sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        ArgumentOutOfRangeException.ThrowIfZero(sorted.Length);
        var position = (sorted.Length - 1) * q;
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }
}
