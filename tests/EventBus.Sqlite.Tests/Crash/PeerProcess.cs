using System.Diagnostics;
using System.Text;
using EventBus.Tests.TestUtilities;

namespace EventBus.Sqlite.Tests.Crash;

/// <summary>The crash peer as a child process (<c>dotnet EventBus.Sqlite.CrashPeer.dll ...</c>): its complete output
/// lines, its error output, and a SIGKILL.</summary>
internal sealed class PeerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private PeerProcess(Process process)
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

    public int ExitCode => _process.ExitCode;

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public static PeerProcess Start(params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "EventBus.Sqlite.CrashPeer.dll");
        var start = new ProcessStartInfo("dotnet", [dll, .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return new PeerProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start the crash peer."));
    }

    /// <summary>The next complete line (without its " ;" end mark), or null at the end of the output. A last line
    /// cut short by the kill has no end mark and is dropped.</summary>
    public async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            var line = await Wait.For(_process.StandardOutput.ReadLineAsync(), "a line from the crash peer");
            if (line is null)
            {
                return null;
            }

            if (line.EndsWith(" ;", StringComparison.Ordinal))
            {
                return line[..^2];
            }
        }
    }

    /// <summary>SIGKILL: no handler, no flush, no dispose runs in the peer.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    public void CloseInput() => _process.StandardInput.Close();

    public async Task WaitForExitAsync()
    {
        await Wait.For(_process.WaitForExitAsync(), "the crash peer to exit");
        _process.WaitForExit(); // flushes the asynchronous error reader
    }

    public async Task<string> DescribeAsync()
    {
        if (!_process.HasExited)
        {
            return "the peer is still running";
        }

        await Task.CompletedTask;
        return $"the peer exited with {_process.ExitCode}: {Errors}";
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}
