namespace Ferry.Engine.Rules;

/// <summary>Another table rule writing the same target table of the same node: its set, and the rows it owns (null: all).</summary>
public sealed record MergeMember(string SetName, string? OwnedRows);
