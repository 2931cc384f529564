namespace Ferry.Engine.Compare;

/// <summary>What a repair did on the target, in one transaction at <paramref name="Tick"/>.</summary>
/// <param name="Written">Rows inserted or updated from the source.</param>
/// <param name="Deleted">Rows deleted because the source has no such row inside the filter.</param>
public sealed record RepairResult(long Tick, long Written, long Deleted);
