namespace EventBus.Samples.Scenes.Backpressure;

/// <summary>A sensor reading, numbered in the order the sensor took it.</summary>
internal sealed record Reading(int Sequence);
