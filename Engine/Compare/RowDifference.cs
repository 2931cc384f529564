namespace Ferry.Engine.Compare;

/// <summary>One differing row, with the values of both sides as their types' output texts (null is SQL NULL).</summary>
/// <param name="Key">The key columns' output texts, in key order.</param>
/// <param name="Columns">The differing columns (all the rule's columns for a missing or extra row).</param>
/// <param name="SourceRow">The source row's column texts in the rule's column order; null when missing on the source.</param>
/// <param name="TargetRow">The target row's column texts in the rule's column order; null when missing on the target.</param>
public sealed record RowDifference(
    DifferenceKind Kind, IReadOnlyList<string?> Key, IReadOnlyList<string> Columns, IReadOnlyList<string?>? SourceRow,
    IReadOnlyList<string?>? TargetRow);
