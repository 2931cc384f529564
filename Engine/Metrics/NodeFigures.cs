namespace Ferry.Engine.Metrics;

/// <summary>One node and whether it answered its last probe.</summary>
public sealed record NodeFigures(string Name, bool Up);
