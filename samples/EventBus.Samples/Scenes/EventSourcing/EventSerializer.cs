using System.Globalization;
using System.Text.Json;

namespace EventBus.Samples.Scenes.EventSourcing;

/// <summary>
/// Writes events in the current schema and reads every schema ever written. Old payloads are
/// upcast on read, so the rest of the code only knows the current shape of each event; the log
/// itself is never rewritten.
/// </summary>
/// <remarks>
/// Schema history:
/// <list type="bullet">
/// <item><c>AccountOpened</c> v1 named the owner <c>Holder</c>; v2 renamed it <c>Owner</c>.</item>
/// <item><c>MoneyDeposited</c> v1 kept amount and currency in one string (<c>"120.00 EUR"</c>); v2 splits
/// them into <c>Amount</c> and <c>Currency</c>.</item>
/// </list>
/// </remarks>
internal static class EventSerializer
{
    public const int CurrentSchema = 2;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static (string Type, int SchemaVersion, string Data) Serialize(IAccountEvent @event) => @event switch
    {
        AccountOpened e => (nameof(AccountOpened), CurrentSchema, JsonSerializer.Serialize(e, s_json)),
        MoneyDeposited e => (nameof(MoneyDeposited), CurrentSchema, JsonSerializer.Serialize(e, s_json)),
        MoneyWithdrawn e => (nameof(MoneyWithdrawn), CurrentSchema, JsonSerializer.Serialize(e, s_json)),
        _ => throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "Unknown account event."),
    };

    /// <summary>Reads a stored event in whatever schema it was written with.</summary>
    /// <returns>The event in the current schema, and what upcasting did, if anything.</returns>
    public static (IAccountEvent Event, string? Upcast) Deserialize(StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return (stored.Type, stored.SchemaVersion) switch
        {
            (nameof(AccountOpened), 1) => (UpcastOpened(Read<AccountOpenedV1>(stored)), "v1 Holder renamed Owner"),
            (nameof(MoneyDeposited), 1) => (UpcastDeposited(Read<MoneyDepositedV1>(stored)), "v1 Amount split into Amount + Currency"),
            (nameof(AccountOpened), CurrentSchema) => (Read<AccountOpened>(stored), null),
            (nameof(MoneyDeposited), CurrentSchema) => (Read<MoneyDeposited>(stored), null),
            (nameof(MoneyWithdrawn), CurrentSchema) => (Read<MoneyWithdrawn>(stored), null),
            _ => throw new InvalidOperationException($"No reader for {stored.Type} schema v{stored.SchemaVersion} at position {stored.Position}."),
        };
    }

    /// <summary>Writes an event the way the previous version of the application did (to seed the log).</summary>
    public static string SerializeLegacy<T>(T payload) => JsonSerializer.Serialize(payload, s_json);

    private static T Read<T>(StoredEvent stored) =>
        JsonSerializer.Deserialize<T>(stored.Data, s_json)
        ?? throw new InvalidOperationException($"Position {stored.Position} holds an empty payload.");

    private static AccountOpened UpcastOpened(AccountOpenedV1 old) => new(old.AccountId, old.Holder, old.Currency);

    private static MoneyDeposited UpcastDeposited(MoneyDepositedV1 old)
    {
        var parts = old.Amount.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2)
        {
            throw new InvalidOperationException($"A v1 deposit amount must read '<amount> <currency>', not '{old.Amount}'.");
        }

        return new MoneyDeposited(old.AccountId, decimal.Parse(parts[0], NumberStyles.Number, CultureInfo.InvariantCulture), parts[1]);
    }
}
