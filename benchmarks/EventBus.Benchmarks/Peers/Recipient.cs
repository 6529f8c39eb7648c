using EventBus.Benchmarks.Infrastructure;

namespace EventBus.Benchmarks.Peers;

/// <summary>StrongReferenceMessenger takes one registration per recipient and message type, so
/// eight subscribers need eight recipients; each forwards to the shared sink.</summary>
public sealed class Recipient(Sink sink)
{
    public Sink Sink { get; } = sink;
}
