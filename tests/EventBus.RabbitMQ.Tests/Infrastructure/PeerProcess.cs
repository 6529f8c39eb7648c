using System.Diagnostics;

namespace EventBus.RabbitMQ.Tests.Infrastructure;

/// <summary>
/// The test peer (<c>tests/EventBus.RabbitMQ.TestPeer</c>) running as a child OS process, as the run-time user:
/// every line it writes is handed to <c>onLine</c>, in order, as it arrives. Closing its input asks it to drain and
/// exit; <see cref="KillAsync"/> ends it with SIGKILL. Disposing kills it if it still runs.
/// </summary>
public sealed class PeerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task _pump;
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PeerProcess(Process process, Action<string>? onLine)
    {
        _process = process;
        _pump = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (!_ready.Task.IsCompleted)
                {
                    _ready.TrySetResult(line);
                    continue;
                }

                onLine?.Invoke(line);
            }

            _ready.TrySetResult("(no output: the peer exited)");
        });
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the peer: <c>ping</c> answers pings, <c>consume</c> handles jobs of <paramref name="queue"/>.</summary>
    public static PeerProcess Start(string mode, string exchange, string instanceName, string? queue = null, Action<string>? onLine = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "EventBus.RabbitMQ.TestPeer.dll");
        List<string> arguments = [dll, mode, exchange, BrokerEnvironment.EnvFilePath, instanceName];
        if (queue is not null)
        {
            arguments.Add(queue);
        }

        var start = new ProcessStartInfo("dotnet", arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the peer process.");
        return new PeerProcess(process, onLine);
    }

    /// <summary>Waits for the peer's first line, which must be READY once its bridge has connected.</summary>
    public async Task WaitUntilReadyAsync()
    {
        var first = await Signals.For(_ready.Task, "the peer to connect");
        if (first != "READY")
        {
            throw new InvalidOperationException($"The peer did not start: {first}; {await DescribeAsync()}");
        }
    }

    /// <summary>Closes the peer's input (it drains and exits) and waits for it to exit and its output to end.</summary>
    public async Task StopAsync()
    {
        _process.StandardInput.Close();
        await Signals.For(_process.WaitForExitAsync(), "the peer to exit");
        await Signals.For(_pump, "the peer's output to end");
    }

    /// <summary>Ends the peer with SIGKILL (what <see cref="Process.Kill()"/> sends on Unix): no drain, no cleanup,
    /// no acknowledgement of what it holds. Returns once it is gone and all it wrote has been read.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await Signals.For(_process.WaitForExitAsync(), "the killed peer to be gone");
        await Signals.For(_pump, "the killed peer's output to end");
    }

    public async Task<string> DescribeAsync() =>
        _process.HasExited ? $"the peer exited with {_process.ExitCode}: {await _process.StandardError.ReadToEndAsync()}" : "the peer is still running";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
