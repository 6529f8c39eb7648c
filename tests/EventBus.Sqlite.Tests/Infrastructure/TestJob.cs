using System.Text.Json.Serialization;

namespace EventBus.Sqlite.Tests.Infrastructure;

public sealed record TestJob(int Number, string Text = "", double Amount = 0);

/// <summary>The same item's second shape: <see cref="TestJob"/> with <c>Text</c> renamed, for upcasting.</summary>
public sealed record TestJobV2(int Number, string Title);

[JsonSerializable(typeof(TestJob))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(TestJobV2))]
internal sealed partial class TestJson : JsonSerializerContext;
