using System.Globalization;
using Spectre.Console;

namespace EventBus.Samples.Scenes.Backpressure;

/// <summary>
/// The two bars of one mode's run (sensor and dashboard). On a console that cannot redraw (output
/// redirected to a file), there are no bars, and one line per mode is printed when it ends instead.
/// </summary>
internal sealed class ModeProgress
{
    private readonly BufferFullMode _mode;
    private readonly int _total;
    private readonly ProgressTask? _producer;
    private readonly ProgressTask? _consumer;
    private int _handled;

    public ModeProgress(BufferFullMode mode, int total, ProgressContext? live)
    {
        _mode = mode;
        _total = total;
        _producer = live?.AddTask(Describe("sensor", 0, "published"), maxValue: total);
        _consumer = live?.AddTask(Describe("dashboard", 0, "handled"), maxValue: total);
    }

    public void Published(int count, string note)
    {
        if (_producer is not null)
        {
            _producer.Value = count;
            _producer.Description = Describe("sensor", count, note);
        }
    }

    public void Handled()
    {
        var handled = Interlocked.Increment(ref _handled);
        if (_consumer is not null)
        {
            _consumer.Increment(1);
            _consumer.Description = Describe("dashboard", handled, "handled");
        }
    }

    /// <summary>Ends the bars; without bars, writes the mode's final line.</summary>
    public void Finish(IAnsiConsole console, string producerNote)
    {
        if (_producer is not null && _consumer is not null)
        {
            _producer.StopTask();
            _consumer.StopTask();
            return;
        }

        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{_mode,-10} sensor {_total}/{_total} {producerNote}; dashboard {Volatile.Read(ref _handled)}/{_total} handled"));
    }

    // Task descriptions are markup: escape them.
    private string Describe(string who, int count, string what) =>
        Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{_mode,-10} {who,-9} {count,2}/{_total} {what}"));
}
