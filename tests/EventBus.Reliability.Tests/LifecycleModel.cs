using CsCheck;
using EventBus.Tests.Consumers;

namespace EventBus.Reliability.Tests;

/// <summary>What the model handler does with one item, on every attempt.</summary>
public enum ItemBehaviour
{
    /// <summary>Returns at once.</summary>
    Succeeds,

    /// <summary>Throws on its first attempt and succeeds on the retry.</summary>
    FailsOnce,

    /// <summary>Throws on every attempt: dead-lettered once its retry is spent.</summary>
    AlwaysFails,

    /// <summary>Held until the test releases hung handlers, reacting to cancellation as its <see cref="HandlerKind"/> says.</summary>
    Hangs,
}

/// <summary>Every stop request a user can make of a consumer.</summary>
public enum StopRequest
{
    /// <summary>The face's <c>CompleteAsync()</c> (the bus's, for a subscription), with no deadline.</summary>
    Complete,

    /// <summary>The face's <c>CompleteAsync(deadline)</c>, with one of the run's deadlines, which a step cancels.</summary>
    CompleteWithDeadline,

    /// <summary>The subscription's or queue's <c>DisposeAsync</c>: a drain bounded by the drain timeout on the fake clock.</summary>
    DisposeAsync,

    /// <summary>The subscription's or queue's <c>Dispose</c>: a halt.</summary>
    Dispose,

    /// <summary>The bus's <c>DisposeAsync</c> (subscription faces only).</summary>
    BusDisposeAsync,

    /// <summary>The bus's <c>Dispose</c> (subscription faces only).</summary>
    BusDispose,
}

/// <summary>One stop request; <paramref name="Deadline"/> names the run's deadline a <see cref="StopRequest.CompleteWithDeadline"/> uses.</summary>
public sealed record StopPlan(StopRequest Request, int Deadline)
{
    /// <summary>True for a request that halts by itself.</summary>
    public bool IsHalt => Request is StopRequest.Dispose or StopRequest.BusDispose;

    /// <summary>True for a request of the subscription (or queue) itself rather than of the bus.</summary>
    public bool IsOwn => Request is StopRequest.DisposeAsync or StopRequest.Dispose;

    /// <summary>True for a request whose deadline is the drain timeout, on the fake clock.</summary>
    public bool UsesDrainTimeout => Request is StopRequest.DisposeAsync or StopRequest.BusDisposeAsync;

    public override string ToString() => Request == StopRequest.CompleteWithDeadline ? $"Complete(d{Deadline})" : Request.ToString();
}

/// <summary>How the handler treats one item: its behaviour, how it hangs, and a stop request it makes (and awaits) from inside its first call.</summary>
public sealed record ItemPlan(ItemBehaviour Behaviour, HandlerKind HangKind, StopPlan? Inside)
{
    public override string ToString()
    {
        var behaviour = Behaviour == ItemBehaviour.Hangs ? $"hangs:{HangKind}" : Behaviour.ToString();
        return Inside is null ? behaviour : $"{behaviour}, inside {Inside}";
    }
}

/// <summary>One step the test thread takes.</summary>
public abstract record ModelStep;

/// <summary>Offers the next item (numbered from 0): the face's synchronous offer, or its async one (not awaited).</summary>
public sealed record OfferStep(bool Sync, ItemPlan Item) : ModelStep;

/// <summary>Makes a stop request from the test thread.</summary>
public sealed record StopStep(StopPlan Plan) : ModelStep
{
    public override string ToString() => Plan.ToString();
}

/// <summary>Cancels one of the run's deadlines.</summary>
public sealed record FireDeadlineStep(int Deadline) : ModelStep
{
    public override string ToString() => $"fire d{Deadline}";
}

/// <summary>Moves the fake clock by the drain timeout: every <c>DisposeAsync</c> issued before reaches its deadline.</summary>
public sealed record ElapseDrainTimeoutStep : ModelStep
{
    public override string ToString() => "elapse drain timeout";
}

/// <summary>Lets every hung handler return (and later ones not hang).</summary>
public sealed record ReleaseStep : ModelStep
{
    public override string ToString() => "release hung handlers";
}

/// <summary>Waits until offer <paramref name="Item"/>'s handler has made its stop request (failing after a bound).
/// Not generated: it pins the order of a hand-written history that replays a finding.</summary>
public sealed record AwaitInsideStep(int Item) : ModelStep
{
    public override string ToString() => $"await offer#{Item}'s inside request";
}

/// <summary>One run: a face and the test thread's steps.</summary>
public sealed record LifecycleHistory(FaceKind Face, IReadOnlyList<ModelStep> Steps)
{
    public override string ToString()
    {
        var item = 0;
        var steps = Steps.Select(step => step is OfferStep offer
            ? $"offer#{item++}{(offer.Sync ? " sync" : string.Empty)} [{offer.Item}]"
            : step.ToString());
        return $"{Face}: {string.Join("; ", steps)}";
    }
}

/// <summary>The generators of <see cref="LifecycleHistory"/> runs.</summary>
public static class LifecycleModel
{
    /// <summary>How many deadlines a run has for <see cref="StopRequest.CompleteWithDeadline"/> to use.</summary>
    public const int Deadlines = 2;

    /// <summary>One retry with no delay: a <see cref="ItemBehaviour.FailsOnce"/> item is delivered, an
    /// <see cref="ItemBehaviour.AlwaysFails"/> one dead-lettered, and no retry waits on the fake clock
    /// (a graceful drain needs no clock moves).</summary>
    public static readonly RetryPolicy Retries = new() { MaxRetries = 1, BaseDelay = TimeSpan.Zero, Jitter = 0 };

    public static Gen<LifecycleHistory> Histories { get; } =
        Gen.Enum<FaceKind>().SelectMany(face => Step(face).List[1, 20].Select(steps => new LifecycleHistory(face, steps)));

    public static bool IsSubscription(FaceKind face) =>
        face is FaceKind.QueuedSubscription or FaceKind.ParallelSubscription or FaceKind.InlineSubscription;

    private static Gen<StopPlan> Stop(FaceKind face)
    {
        StopRequest[] requests = IsSubscription(face)
            ? Enum.GetValues<StopRequest>()
            : [StopRequest.Complete, StopRequest.CompleteWithDeadline, StopRequest.DisposeAsync, StopRequest.Dispose];
        return Gen.Select(Gen.OneOf(requests), Gen.Int[0, Deadlines - 1], (request, deadline) =>
            new StopPlan(request, request == StopRequest.CompleteWithDeadline ? deadline : 0));
    }

    private static Gen<ItemPlan> Item(FaceKind face) => Gen.Select(
        Gen.Frequency(
            (4, Gen.Const(ItemBehaviour.Succeeds)),
            (2, Gen.Const(ItemBehaviour.FailsOnce)),
            (1, Gen.Const(ItemBehaviour.AlwaysFails)),
            (3, Gen.Const(ItemBehaviour.Hangs))),
        Gen.Enum<HandlerKind>(),
        Gen.Frequency(
            (5, Gen.Const((StopPlan?)null)),
            (1, Stop(face).Select(plan => (StopPlan?)plan))),
        (behaviour, kind, inside) => new ItemPlan(behaviour, kind, inside));

    private static Gen<ModelStep> Step(FaceKind face) => Gen.Frequency(
        (9, Gen.Select(Gen.Bool, Item(face), (sync, item) => (ModelStep)new OfferStep(sync, item))),
        (4, Stop(face).Select(plan => (ModelStep)new StopStep(plan))),
        (2, Gen.Int[0, Deadlines - 1].Select(deadline => (ModelStep)new FireDeadlineStep(deadline))),
        (1, Gen.Const<ModelStep>(new ElapseDrainTimeoutStep())),
        (1, Gen.Const<ModelStep>(new ReleaseStep())));
}
