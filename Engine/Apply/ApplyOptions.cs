using System.ComponentModel.DataAnnotations;

namespace Ferry.Engine.Apply;

/// <summary>
/// How much of a batch the bulk handler holds in memory (section <c>Apply</c>). A batch of any size is applied in ONE target
/// transaction that records its tick; within it, the handler folds at most <see cref="FoldRows"/> rows, or rows of at most
/// <see cref="FoldBytes"/>, then writes that chunk and goes on with the next (docs/architecture.md, "Bounded memory").
/// </summary>
public sealed class ApplyOptions
{
    public const string Section = "Apply";

    /// <summary>Folded rows (distinct keys) per chunk. Larger chunks write with fewer statements and take more memory.</summary>
    [Range(1, 10_000_000)]
    public int FoldRows { get; set; } = 50_000;

    /// <summary>
    /// Estimated memory of the folded rows per chunk, in bytes (the rows' text as .NET holds it, with their keys): a chunk is
    /// written when it reaches either limit, so wide rows make smaller chunks.
    /// </summary>
    [Range(1 << 16, 1L << 34)]
    public long FoldBytes { get; set; } = 64L << 20;
}
