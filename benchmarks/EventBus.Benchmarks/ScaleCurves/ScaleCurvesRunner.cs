using System.Diagnostics;
using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.ScaleCurves;

/// <summary>
/// <c>--scale</c>: the two curves of issue 15's "Scale" section through the public API: (a) the time
/// and bytes of subscribing and unsubscribing N subscriptions on one route, (b) the per-subscriber
/// cost of an inline publish as the number of matching subscribers grows.
/// </summary>
public static class ScaleCurvesRunner
{
    public static int Run(IReadOnlyList<string> args) => HarnessMode.Run(args, ScaleCurvesOptions.Parse, ScaleCurvesOptions.Usage, Measure);

    private static ScaleCurvesReport Measure(ScaleCurvesOptions options)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"Scale curves: {options}");
        var subscribe = options.SkipSubscribe ? [] : SubscribeCurve.Measure(options);
        var publish = options.SkipPublish ? [] : InlinePublishCurve.Measure(options);
        return new ScaleCurvesReport(options.Note, started, clock.Elapsed, MachineInfo.Capture(), options, options.ToString(), subscribe, publish);
    }
}
