namespace EventBus.DependencyInjection.Internal;

/// <summary>A filter added with <c>AddFilter</c>: one singleton instance of this record per filter type, in the order
/// they were added, read when the bus and the work queues are created.</summary>
internal sealed record GlobalHandlerFilter(Type FilterType);
