namespace Ferry.Engine.Replication.Compare;

/// <summary>One differing row of a compare report; rows are in the report's column order, values as output texts.</summary>
public sealed record DifferenceInfo(
    long Id, string Kind, IReadOnlyList<string?> Key, IReadOnlyList<string> Columns, IReadOnlyList<string?>? SourceRow,
    IReadOnlyList<string?>? TargetRow);
