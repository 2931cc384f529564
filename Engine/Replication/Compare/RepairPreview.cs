namespace Ferry.Engine.Replication.Compare;

/// <summary>
/// What a repair from a compare report would do: rows written from the source (missing and different), rows deleted
/// (extra), and the first statements as SQL text. The values are read again from the source when the repair runs.
/// </summary>
public sealed record RepairPreview(int ReportId, string Table, long Writes, long Deletes, IReadOnlyList<string> SampleStatements);
