using System.Runtime.CompilerServices;

namespace EventBus.Benchmarks.Infrastructure;

/// <summary>
/// The handler every row calls. <see cref="MethodImplOptions.NoInlining"/> keeps the JIT from
/// folding the handler into a baseline loop, so every row pays for one real call per delivery.
/// </summary>
public sealed class Sink
{
    private long _count;

    public long Count => _count;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Handle(ClassEvent e) => _count += e.Value;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Handle(StructEvent e) => _count += e.Value;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Handle(ClassEvent8 e) => _count += e.Value;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Handle(StructEvent8 e) => _count += e.Value;
}
