using System.Runtime.InteropServices;

namespace EventBus.Internal;

/// <summary>A cache line of nothing. As the last field of an object that one thread writes on every item, it keeps the
/// next object on the heap (often a sibling written by another thread) off that line.</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct CacheLinePadding
{
    [FieldOffset(0)]
    private readonly long _unused;
}
