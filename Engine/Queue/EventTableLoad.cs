namespace Ferry.Engine.Queue;

/// <summary>One event table (partition) of a queue.</summary>
/// <param name="EstimatedRows">Live rows as the statistics collector counts them (an estimate).</param>
public sealed record EventTableLoad(int Number, string Name, long Bytes, long EstimatedRows, bool Current, bool NextToRotate);
