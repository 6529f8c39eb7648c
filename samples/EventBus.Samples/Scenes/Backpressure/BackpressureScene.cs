using System.Globalization;
using System.Text;
using EventBus.Samples.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace EventBus.Samples.Scenes.Backpressure;

/// <summary>
/// A fast producer, a slow consumer, a bounded buffer between them, and the five answers to
/// "the buffer is full: now what?".
/// </summary>
internal sealed class BackpressureScene : Scene<BackpressureResult>
{
    public const int Capacity = 8;
    public const int Burst = 40;

    private static readonly BufferFullMode[] s_modes =
        [BufferFullMode.Wait, BufferFullMode.DropOldest, BufferFullMode.DropNewest, BufferFullMode.DropWrite, BufferFullMode.Fail];

    public override string Name => "backpressure";

    public override string Title => "a fast producer, a slow consumer, and a bounded buffer between them";

    public override string Summary => "a burst into a full buffer under each full mode, with live progress";

    public override IReadOnlyList<string> Concept =>
    [
        "When a producer outpaces its consumer, something gives: the producer waits, events drop, or publish fails.",
        "A bounded buffer makes that choice explicit per subscription. Wait, the default, slows the producer down.",
    ];

    public override async Task<BackpressureResult> RunAsync(SceneContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var console = context.Console;
        console.Say($"A sensor publishes {Burst} readings as fast as it can. The dashboard handles one per tick, behind a buffer of {Capacity}.");
        console.Say("The same burst runs once per full mode, each on a fresh bus.");
        console.WriteLine();

        var outcomes = new List<ModeOutcome>(s_modes.Length);
        if (console.Profile.Capabilities.Interactive)
        {
            await console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn())
                .StartAsync(async live =>
                {
                    foreach (var mode in s_modes)
                    {
                        outcomes.Add(await RunModeAsync(mode, console, live, context.Pace, cancellationToken));
                    }
                });
        }
        else
        {
            // A file cannot show a bar filling up: one line per mode, written when it ends.
            foreach (var mode in s_modes)
            {
                outcomes.Add(await RunModeAsync(mode, console, live: null, context.Pace, cancellationToken));
            }
        }

        console.Heading("What each mode did with the same burst");
        var table = Ui.Table("mode", "published", "handled", "dropped", "publish threw", "producer waited", "readings handled");
        foreach (var outcome in outcomes)
        {
            var lost = outcome.Drops.Count;
            table.AddRow(
                Ui.Plain(outcome.Mode.ToString()),
                Ui.Plain(Ui.Count(outcome.Published)),
                Ui.Plain(Ui.Count(outcome.Handled.Count)),
                lost == 0 ? Ui.Good("0") : Ui.Bad($"{lost} ({outcome.Drops[0].Reason})"),
                outcome.PublishExceptions == 0 ? Ui.Plain("0") : Ui.Bad(Ui.Count(outcome.PublishExceptions)),
                outcome.HeldBack == 0 ? Ui.Plain("never") : Ui.Warn($"{outcome.HeldBack} times"),
                Ui.Plain(Ranges(outcome.Handled)));
        }

        console.Write(table);
        console.Note("no drop is silent: each one reached EventBusOptions.OnDropped with its reason, and the subscription's counters agree.");

        console.KnowledgeCheck(
            "A sensor sends a reading every 10 ms; the dashboard can draw one every 100 ms. Orders arrive in bursts at checkout. Which modes?",
            "The dashboard: DropOldest. Only the latest readings matter and the sensor must never stall, so old readings make room " +
            "(see above: it ends on the newest ones). Orders: Wait, the default. Losing an order is never acceptable, so the " +
            "checkout slows down until there is room. Fail suits a caller that would rather shed load and answer \"try again later\".");

        return new BackpressureResult(Capacity, outcomes);
    }

    private static async Task<ModeOutcome> RunModeAsync(
        BufferFullMode mode, IAnsiConsole console, ProgressContext? live, ScenePace pace, CancellationToken cancellationToken)
    {
        using var run = new ModeRun(mode);
        var progress = new ModeProgress(mode, Burst, live);
        run.Handled = progress.Handled;

        await using var host = await SceneHost.StartAsync(services =>
        {
            services.AddSingleton(run);
            services.AddEventBus(o => o.OnDropped = run.RecordDropped)
                .AddHandler<Reading, SlowConsumer>(o =>
                {
                    o.Name = SlowConsumer.Name;
                    o.Capacity = Capacity;
                    o.FullMode = mode;
                });
        }, cancellationToken);

        var publisher = host.Bus.GetPublisher<Reading>();
        await using var clock = new ConsumerClock(run.Gate, pace);
        var heldBack = 0;
        var exceptions = 0;
        string Note() => heldBack > 0 ? $"published, held back {heldBack}x"
            : exceptions > 0 ? $"published, {exceptions} refused with EventBusFullException"
            : $"published, {run.Drops.Count} dropped";

        for (var sequence = 1; sequence <= Burst; sequence++)
        {
            try
            {
                var publish = publisher.PublishAsync(new Reading(sequence), cancellationToken);
                if (!publish.IsCompleted)
                {
                    // The buffer is full and the mode is Wait: this publish waits until the dashboard
                    // takes a reading out. That pause is the backpressure.
                    heldBack++;
                    progress.Published(sequence - 1, Note() + ", waiting");
                    clock.Start();
                }

                await publish;
            }
            catch (EventBusFullException)
            {
                exceptions++;
            }

            progress.Published(sequence, Note());
        }

        clock.Start();
        var report = await host.StopAsync(cancellationToken);
        progress.Finish(console, Note());
        return new ModeOutcome(mode, Burst, heldBack, exceptions, run.HandledSequences, run.Drops, report[SlowConsumer.Name]);
    }

    /// <summary>Writes 1,2,3,4,9,10 as "1-4, 9-10".</summary>
    internal static string Ranges(IReadOnlyList<int> values)
    {
        var text = new StringBuilder();
        for (var i = 0; i < values.Count; i++)
        {
            var start = values[i];
            while (i + 1 < values.Count && values[i + 1] == values[i] + 1)
            {
                i++;
            }

            if (text.Length > 0)
            {
                text.Append(", ");
            }

            text.Append(start == values[i]
                ? start.ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{start}-{values[i]}"));
        }

        return text.ToString();
    }
}
