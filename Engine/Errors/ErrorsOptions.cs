using System.ComponentModel.DataAnnotations;

namespace Ferry.Engine.Errors;

/// <summary>How much error history is kept (section <c>Errors</c>; docs/decisions/ADR-017-error-history.md).</summary>
public sealed class ErrorsOptions
{
    public const string Section = "Errors";

    /// <summary>How long a closed group (passed, skipped, resynced) is kept before housekeeping deletes it.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan KeepClosed { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The latest occurrences each group keeps (the count goes on).</summary>
    [Range(1, 10_000)]
    public int OccurrencesPerGroup { get; set; } = 50;
}
