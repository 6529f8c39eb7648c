using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EventBus.Samples.Scenes.Durability;

/// <summary>
/// The worker process seen from the scene: this same program started again with <see cref="ShippingPlan.WorkerCommand"/>,
/// its output read line by line, and <see cref="Kill"/>: SIGKILL on Linux and macOS, <c>TerminateProcess</c> on Windows.
/// Nothing runs in the child after it: no <c>finally</c>, no dispose, no flush.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    /// <summary>How long the scene waits for the next line: far above what a step takes, even on a loaded machine.</summary>
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the worker process in <paramref name="mode"/> on the database at <paramref name="path"/>.</summary>
    public static WorkerProcess Start(string mode, string path, TimeSpan tick)
    {
        var (program, prefix) = ThisProgram();
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[.. prefix, ShippingPlan.WorkerCommand, mode, path, ((int)tick.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        return new WorkerProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start the worker process ({program})."));
    }

    /// <summary>The next whole line, or null once the process has ended.</summary>
    /// <exception cref="TimeoutException">No line came within a minute.</exception>
    /// <exception cref="FormatException">The line is not of the protocol.</exception>
    public async Task<WorkerLine?> ReadLineAsync(CancellationToken cancellationToken)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(s_patience);
        while (true)
        {
            string? line;
            try
            {
                line = await _process.StandardOutput.ReadLineAsync(patience.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The worker process said nothing for {s_patience.TotalSeconds} s. {Describe()}");
            }

            if (line is null)
            {
                return null;
            }

            // A line without its end mark was cut by the kill.
            if (line.EndsWith(" ;", StringComparison.Ordinal))
            {
                return WorkerLine.Parse(line[..^2]);
            }
        }
    }

    /// <summary>Reads lines, handing each to <paramref name="seen"/>, until it returns true.</summary>
    /// <exception cref="InvalidOperationException">The process ended first.</exception>
    public async Task ReadUntilAsync(Func<WorkerLine, bool> seen, string what, CancellationToken cancellationToken)
    {
        while (await ReadLineAsync(cancellationToken) is { } line)
        {
            if (seen(line))
            {
                return;
            }
        }

        await WaitForExitAsync(cancellationToken);
        throw new InvalidOperationException($"The worker process ended before {what}. {Describe()}");
    }

    public void Kill() => _process.Kill(entireProcessTree: false);

    public void CloseInput() => _process.StandardInput.Close();

    public async Task WaitForExitAsync(CancellationToken cancellationToken)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(s_patience);
        await _process.WaitForExitAsync(patience.Token);

        // Lets the asynchronous reader of the error output finish.
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private string Describe()
    {
        string errors;
        lock (_errors)
        {
            errors = _errors.ToString().Trim();
        }

        var state = _process.HasExited ? $"It exited with code {_process.ExitCode}." : "It is still running.";
        return errors.Length == 0 ? state : $"{state} Its error output: {errors}";
    }

    /// <summary>
    /// How to start this program again. Under <c>dotnet run</c> the process is the program's own launcher, which takes
    /// the arguments as they are; under <c>dotnet</c> (tests, <c>dotnet EventBus.Samples.dll</c>) the host is given the
    /// program's assembly first.
    /// </summary>
    private static (string Program, string[] Prefix) ThisProgram()
    {
        var assembly = typeof(WorkerProcess).Assembly.Location;
        var current = Environment.ProcessPath;
        if (current is not null && string.Equals(Path.GetFileNameWithoutExtension(current), Path.GetFileNameWithoutExtension(assembly), StringComparison.OrdinalIgnoreCase))
        {
            return (current, []);
        }

        if (current is not null && string.Equals(Path.GetFileNameWithoutExtension(current), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return (current, [assembly]);
        }

        // Some other host (a test runner's own launcher): the dotnet host the SDK names, or the one on the PATH.
        return (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet", [assembly]);
    }
}
