namespace Ferry.Engine.Replication.Compare;

/// <summary>What a resync in place did: the last compare (equal), the repair rounds, and the rows written and deleted.</summary>
public sealed record InPlaceResyncResult(CompareReportInfo Report, int Rounds, long Written, long Deleted);
