namespace EventBus.Testing;

/// <summary>A tracked session did not settle within the tracker's timeout: some handler is still running, a retry's
/// backoff is still waiting, or a message waits in a consumer that does not run. <see cref="Session"/> holds the tree
/// as it stood, and the message lists what is still pending.</summary>
public sealed class TrackingTimeoutException : TimeoutException
{
    internal TrackingTimeoutException(TrackedSession session, TimeSpan timeout)
        : base(Describe(session, timeout)) => Session = session;

    /// <summary>The tree when the timeout fired; <see cref="TrackedSession.Pending"/> names the unsettled messages.</summary>
    public TrackedSession Session { get; }

    private static string Describe(TrackedSession session, TimeSpan timeout) =>
        $"The tracked session did not settle within {timeout.TotalSeconds:0.###} s. Still pending:{Environment.NewLine}  " +
        string.Join(Environment.NewLine + "  ", session.Pending) + Environment.NewLine +
        "The whole tree:" + Environment.NewLine + session;
}
