namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>One line of an account statement: what happened at a log position, and the balance after it.</summary>
internal sealed record StatementLine(long Position, string Entry, decimal Amount, decimal Balance);
