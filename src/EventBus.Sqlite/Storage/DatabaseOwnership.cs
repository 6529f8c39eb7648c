using System.Globalization;
using System.Text;

namespace EventBus.Sqlite.Storage;

/// <summary>
/// One process owns one database file. The owner holds an exclusive operating-system lock on a side file
/// (<c>{database}.lock</c>): on Unix an <c>flock</c>, on Windows a sharing lock, which .NET takes for a
/// <see cref="FileShare.None"/> stream. The system drops it when the owner closes the file, exits or is
/// killed, so a crash never leaves a stale lock behind; the file itself may stay and is reused.
/// </summary>
internal sealed class DatabaseOwnership : IDisposable
{
    // What .NET puts in HResult when another handle holds the lock: ERROR_SHARING_VIOLATION on Windows, the
    // errno of flock's refusal (EWOULDBLOCK: 11 on Linux, 35 on macOS and the BSDs) elsewhere.
    private const int SharingViolation = unchecked((int)0x80070020);
    private const int WouldBlockLinux = 11;
    private const int WouldBlockBsd = 35;

    private readonly FileStream _lock;

    private DatabaseOwnership(FileStream @lock, string lockPath)
    {
        _lock = @lock;
        LockPath = lockPath;
    }

    internal string LockPath { get; }

    internal static DatabaseOwnership Acquire(string databasePath)
    {
        if (FileLockingDisabled())
        {
            throw new InvalidOperationException(
                $"The queue database '{databasePath}' cannot be opened: file locking is turned off in this process " +
                "(System.IO.DisableFileLocking or DOTNET_SYSTEM_IO_DISABLEFILELOCKING), so a second owner could not be refused. " +
                "Turn the switch off for applications that use durable queues.");
        }

        var lockPath = databasePath + ".lock";
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            throw new IOException(
                $"The queue database '{databasePath}' is already owned by another store, in this process or another: its lock file " +
                $"'{lockPath}' is held. One process owns one database file; dispose the other store first, or give this one a file " +
                "of its own. To share work between processes, use a broker (the RabbitMQ bridge).",
                e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UnauthorizedAccessException(
                $"The queue database '{databasePath}' cannot be opened: its lock file '{lockPath}' cannot be created or written " +
                "(the directory or the lock file is read-only for this user).",
                e);
        }

        try
        {
            // For a person looking at the directory: which process holds it. Nobody reads it back.
            var owner = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}\n"));
            stream.SetLength(0);
            stream.Write(owner);
            stream.Flush();
        }
        catch (IOException)
        {
            // The note is a courtesy; the lock is what matters, and it is held.
        }

        return new DatabaseOwnership(stream, lockPath);
    }

    public void Dispose() => _lock.Dispose();

    private static bool IsHeldElsewhere(IOException e) =>
        OperatingSystem.IsWindows() ? e.HResult == SharingViolation : e.HResult is WouldBlockLinux or WouldBlockBsd;

    private static bool FileLockingDisabled()
    {
        if (AppContext.TryGetSwitch("System.IO.DisableFileLocking", out var disabled))
        {
            return disabled;
        }

        var variable = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING");
        return variable is not null && (variable == "1" || variable.Equals("true", StringComparison.OrdinalIgnoreCase));
    }
}
