using System.Runtime.InteropServices;

namespace EventBus.Consumers;

/// <summary>A ring's cursor alone on its cache line (with, for the tail, the writers' copy of the head), so the
/// writers' line and the readers' line never share. Outside <see cref="RingBuffer{T}"/>: a generic type cannot
/// have an explicit layout.</summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal struct RingCursor
{
    /// <summary>The position (for the tail, with the closed and halted marks in its top bits).</summary>
    [FieldOffset(64)]
    internal long Value;

    /// <summary>For the tail: a recent value of the head, so writers seldom read the readers' line.</summary>
    [FieldOffset(72)]
    internal long HeadCopy;
}
