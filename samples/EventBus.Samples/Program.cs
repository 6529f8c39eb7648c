using System.Text;
using EventBus.Samples.Infrastructure;
using EventBus.Samples.Scenes.Durability;
using Spectre.Console;

// The demo: `dotnet run --project samples/EventBus.Samples [-- <scene> | list]`.
// When the output is a file or a pipe, the console writes plain text with no escape codes.
// The durability scene starts this program again as its worker process, with a first argument of its own.
if (args is [ShippingPlan.WorkerCommand, .. var workerArgs])
{
    return await ShippingProcess.RunAsync(workerArgs);
}

Console.OutputEncoding = Encoding.UTF8;
var console = SceneConsole.Create(Console.Out, plain: Console.IsOutputRedirected);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var runner = new SceneRunner(console, SceneCatalog.All, ScenePace.Human);
try
{
    return await runner.RunAsync(args, cancel.Token);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    console.MarkupLine("[yellow]Stopped.[/]");
    return 130;
}
