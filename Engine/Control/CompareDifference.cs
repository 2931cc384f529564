namespace Ferry.Engine.Control;

/// <summary>One differing row of a <see cref="CompareReport"/>, values as their types' output texts (null is SQL NULL).</summary>
public sealed class CompareDifference
{
    public long Id { get; set; }

    public int ReportId { get; set; }

    /// <summary><c>Missing</c>, <c>Extra</c> or <c>Different</c> (Engine/Compare/DifferenceKind.cs).</summary>
    public required string Kind { get; set; }

    /// <summary>The key columns' texts, in <see cref="CompareReport.KeyColumns"/> order.</summary>
    public List<string?> Key { get; set; } = [];

    /// <summary>The differing columns (all columns for a missing or extra row).</summary>
    public List<string> Columns { get; set; } = [];

    /// <summary>The source row in <see cref="CompareReport.Columns"/> order; null when the source has no such row.</summary>
    public List<string?>? SourceRow { get; set; }

    /// <summary>The target row; null when the target has no such row.</summary>
    public List<string?>? TargetRow { get; set; }
}
