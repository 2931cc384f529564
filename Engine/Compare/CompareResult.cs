namespace Ferry.Engine.Compare;

/// <summary>What one table's compare found.</summary>
/// <param name="Tick">The tick both sides were read at.</param>
/// <param name="SourceRows">Rows of the source inside the rule's filter at the tick.</param>
/// <param name="TargetRows">Rows of the target table at the tick.</param>
/// <param name="Chunks">Top-level chunks compared.</param>
/// <param name="DifferingChunks">Top-level chunks whose count or hash differed.</param>
public sealed record CompareResult(
    long Tick, long SourceRows, long TargetRows, int Chunks, int DifferingChunks, long Missing, long Extra, long Different)
{
    /// <summary>Whether the target equals the source (after filter and renames).</summary>
    public bool Equal => Missing == 0 && Extra == 0 && Different == 0;
}
