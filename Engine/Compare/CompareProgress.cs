namespace Ferry.Engine.Compare;

/// <summary>How far a compare is: top-level chunks done out of an estimate, and the differences found so far.</summary>
public sealed record CompareProgress(int ChunksDone, int ChunksEstimated, long Differences);
