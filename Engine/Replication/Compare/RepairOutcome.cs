using Ferry.Engine.Compare;

namespace Ferry.Engine.Replication.Compare;

/// <summary>A repair's result and the compare run right after it.</summary>
public sealed record RepairOutcome(RepairResult Repair, CompareReportInfo Compare);
