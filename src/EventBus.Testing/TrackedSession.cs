using System.Text;

namespace EventBus.Testing;

/// <summary>What one tracked publish (or enqueue, or action) caused: every message in its causal tree and how each
/// consumer finished with it.</summary>
public sealed class TrackedSession
{
    internal TrackedSession(IReadOnlyList<TrackedMessage> messages)
    {
        Messages = messages;
        Roots = [.. messages.Where(m => m.Cause is null)];
        Pending = [.. messages.Where(m => !m.IsSettled)];
    }

    /// <summary>Every message of the tree, in the order they were published or enqueued.</summary>
    public IReadOnlyList<TrackedMessage> Messages { get; }

    /// <summary>The messages the code under test made itself (one for a tracked publish or enqueue).</summary>
    public IReadOnlyList<TrackedMessage> Roots { get; }

    /// <summary>Messages not yet settled: empty in a session a wait returned, the culprits in a timeout's.</summary>
    public IReadOnlyList<TrackedMessage> Pending { get; }

    /// <summary>True when every message settled and every consumer handled every message.</summary>
    public bool AllHandled => Messages.All(m => m.AllHandled);

    /// <summary>The messages of the tree that are <typeparamref name="T"/>, in publish order.</summary>
    /// <typeparam name="T">The message type (or a base type or interface of it).</typeparam>
    /// <returns>The matching messages; empty when none.</returns>
    public IEnumerable<TrackedMessage> MessagesOf<T>() => Messages.Where(m => m.Message is T);

    /// <summary>Prints the tree, one message per line, indented under its cause.</summary>
    /// <returns>The tree as text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var root in Roots)
        {
            Append(text, root, depth: 0);
        }

        return text.Length == 0 ? "(nothing was published)" : text.ToString().TrimEnd();
    }

    private static void Append(StringBuilder text, TrackedMessage message, int depth)
    {
        text.Append(' ', depth * 2).Append(message).AppendLine();
        foreach (var caused in message.Caused)
        {
            Append(text, caused, depth + 1);
        }
    }
}
