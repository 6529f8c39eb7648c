namespace EventBus.Consumers;

// Top-level, not nested in Consumer<T>: an enum nested in a generic type is itself generic, and the
// native AOT type loader failed to build such a type at run time (BadImageFormatException in a generic
// virtual call's dictionary), so these stay non-generic.
/// <summary>How an offer that finds the buffer full behaves.</summary>
internal enum WriteMode
{
    /// <summary>Wait for space (under <see cref="BufferFullMode.Wait"/>).</summary>
    MayWait,

    /// <summary>Never wait: join the overflow line, or be refused.</summary>
    NoWait,

    /// <summary>Never wait and never queue: a full buffer leaves the item with the caller, uncounted.</summary>
    TryOnly,
}
