namespace EventBus.Consumers;

/// <summary>What became of an offer.</summary>
internal enum WriteResult
{
    /// <summary>The consumer took the item (it may since have been dropped by a drop mode, counted).</summary>
    Accepted,

    /// <summary>The buffer was full and the item was refused: counted and reported as <see cref="DropReason.Rejected"/>.</summary>
    Refused,

    /// <summary>The intake is closed: the item was not taken and is not counted.</summary>
    Closed,

    /// <summary>Only for <see cref="WriteMode.TryOnly"/>: the buffer was full; the item was not taken and is not counted.</summary>
    NotTaken,

    /// <summary>Only from <see cref="Consumer{T}.TryWrite"/>: the buffer was full; nothing was decided, call <see cref="Consumer{T}.WriteAsync"/>.</summary>
    Full,
}
