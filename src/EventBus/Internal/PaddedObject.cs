namespace EventBus.Internal;

/// <summary>A base class whose only field is a cache line of nothing. Base fields are laid out first, so a subclass
/// that one thread writes on every item starts a whole line after the object before it on the heap; its own last field,
/// a <see cref="CacheLinePadding"/>, protects the object after it.</summary>
internal abstract class PaddedObject
{
#pragma warning disable CS0169, IDE0051 // Never read: the padding is the point.
    private readonly CacheLinePadding _lead;
#pragma warning restore CS0169, IDE0051
}
