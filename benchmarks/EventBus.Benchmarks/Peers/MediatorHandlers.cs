using EventBus.Benchmarks.Infrastructure;
using Mediator;

[assembly: MediatorOptions(Namespace = "EventBus.Benchmarks.Peers", ServiceLifetime = Microsoft.Extensions.DependencyInjection.ServiceLifetime.Singleton)]

namespace EventBus.Benchmarks.Peers;

// Mediator (source generated) binds handlers to notification types at compile time: one handler
// type per subscriber. These twenty near-identical classes are kept in one file on purpose; they
// are the peer's required shape, not part of our design.

public sealed class ClassHandler(Sink sink) : INotificationHandler<ClassEvent>
{
    public ValueTask Handle(ClassEvent notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class StructHandler(Sink sink) : INotificationHandler<StructEvent>
{
    public ValueTask Handle(StructEvent notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Class8Handler1(Sink sink) : INotificationHandler<ClassEvent8>
{
    public ValueTask Handle(ClassEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Class8Handler2(Sink sink) : INotificationHandler<ClassEvent8>
{
    public ValueTask Handle(ClassEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Class8Handler3(Sink sink) : INotificationHandler<ClassEvent8>
{
    public ValueTask Handle(ClassEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Class8Handler4(Sink sink) : INotificationHandler<ClassEvent8>
{
    public ValueTask Handle(ClassEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Class8Handler5(Sink sink) : INotificationHandler<ClassEvent8>
{
    public ValueTask Handle(ClassEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Class8Handler6(Sink sink) : INotificationHandler<ClassEvent8>
{
    public ValueTask Handle(ClassEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Class8Handler7(Sink sink) : INotificationHandler<ClassEvent8>
{
    public ValueTask Handle(ClassEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Class8Handler8(Sink sink) : INotificationHandler<ClassEvent8>
{
    public ValueTask Handle(ClassEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Struct8Handler1(Sink sink) : INotificationHandler<StructEvent8>
{
    public ValueTask Handle(StructEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Struct8Handler2(Sink sink) : INotificationHandler<StructEvent8>
{
    public ValueTask Handle(StructEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Struct8Handler3(Sink sink) : INotificationHandler<StructEvent8>
{
    public ValueTask Handle(StructEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Struct8Handler4(Sink sink) : INotificationHandler<StructEvent8>
{
    public ValueTask Handle(StructEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Struct8Handler5(Sink sink) : INotificationHandler<StructEvent8>
{
    public ValueTask Handle(StructEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Struct8Handler6(Sink sink) : INotificationHandler<StructEvent8>
{
    public ValueTask Handle(StructEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Struct8Handler7(Sink sink) : INotificationHandler<StructEvent8>
{
    public ValueTask Handle(StructEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}

public sealed class Struct8Handler8(Sink sink) : INotificationHandler<StructEvent8>
{
    public ValueTask Handle(StructEvent8 notification, CancellationToken cancellationToken)
    {
        sink.Handle(notification);
        return default;
    }
}
