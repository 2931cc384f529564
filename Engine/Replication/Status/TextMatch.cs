namespace Ferry.Engine.Replication.Status;

/// <summary>How a <see cref="TableFilter"/> compares a column's text with its value (case-insensitive).</summary>
public enum TextMatch
{
    Contains,
    NotContains,
    Is,
    IsNot,
    StartsWith,
    EndsWith,
    Empty,
    NotEmpty,
}
