namespace EventBus.Sqlite;

/// <summary>How hard SQLite pushes a commit to the disk before the store reports it done (the
/// <c>synchronous</c> pragma, in WAL mode).</summary>
public enum SqliteSynchronousMode
{
    /// <summary>Every commit is flushed to stable storage (fsync of the write-ahead log) before the enqueue
    /// or outcome it contains completes. An acknowledged enqueue survives a process crash, an operating
    /// system crash and a power loss. The default.</summary>
    Full = 0,

    /// <summary>Commits are written to the write-ahead log but flushed to stable storage only at checkpoints.
    /// An acknowledged enqueue survives a process crash (the operating system still holds the write), but the
    /// last commits before an operating system crash or a power loss can be lost; the file itself stays
    /// consistent. Faster, because a commit does not wait for the disk.</summary>
    Normal = 1,
}
