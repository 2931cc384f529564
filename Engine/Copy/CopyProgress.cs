namespace Ferry.Engine.Copy;

/// <summary>Progress of one table's copy, for the portal.</summary>
/// <param name="SourceTable">The table as events name it.</param>
/// <param name="RowsCopied">Rows streamed so far.</param>
/// <param name="RowsEstimated">The source's estimate (<c>pg_class.reltuples</c>, before the filter); 0 when unknown.</param>
/// <param name="Done">True on the last report, after the copy committed.</param>
public sealed record CopyProgress(string SourceTable, long RowsCopied, long RowsEstimated, bool Done);
