namespace EventBus.Internal;

/// <summary>
/// A base class whose only field is a cache line of nothing. The runtime lays out a base class's fields
/// before its subclass's, so a subclass written on every item by one thread starts a whole line after
/// the object before it on the heap (whose fields other threads read on every item), and keeps off
/// that line. Its own last field, a <see cref="CacheLinePadding"/>, protects the object after it.
/// </summary>
internal abstract class PaddedObject
{
#pragma warning disable CS0169, IDE0051 // Never read: the padding is the point.
    private readonly CacheLinePadding _lead;
#pragma warning restore CS0169, IDE0051
}
