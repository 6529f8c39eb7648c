using Microsoft.Extensions.Logging;

namespace EventBus.Samples.Scenes.Observability;

/// <summary>Fails on one checkout every time: its retries run out and it is dead-lettered. It logs each failure
/// itself, with no ids in its message: <see cref="LogScopeFilter"/>'s scope adds them.</summary>
internal sealed partial class FraudCheck(ILogger<FraudCheck> logger) : IEventHandler<CheckoutCompleted>
{
    public const string Name = "fraud-check";

    public ValueTask HandleAsync(CheckoutCompleted @event, EventContext context, CancellationToken cancellationToken)
    {
        if (@event.Number != CheckoutScript.PermanentFailureAt)
        {
            return ValueTask.CompletedTask;
        }

        LogRiskScoreUnavailable(logger);
        throw new InvalidOperationException("risk score service returned 500");
    }

    [LoggerMessage(EventId = 9001, EventName = "RiskScoreUnavailable", Level = LogLevel.Warning, Message = "The risk score service did not answer")]
    private static partial void LogRiskScoreUnavailable(ILogger logger);
}
