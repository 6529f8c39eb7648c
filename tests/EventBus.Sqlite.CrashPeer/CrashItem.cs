using System.Text.Json.Serialization;

namespace EventBus.Sqlite.CrashPeer;

/// <summary>The item the crash peer enqueues: a number unique across the whole test, and its producer.</summary>
internal sealed record CrashItem(long Number, int Producer);

[JsonSerializable(typeof(CrashItem))]
internal sealed partial class CrashJson : JsonSerializerContext;
