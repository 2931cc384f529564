namespace Ferry.Engine.Replication.Catalog;

/// <summary>A unique index that can identify rows: its name (what the engine's <c>key</c> takes) and its columns.</summary>
public sealed record SourceKeyIndex(string Name, IReadOnlyList<string> Columns)
{
    public bool Equals(SourceKeyIndex? other) => other is not null && Name == other.Name && Columns.SequenceEqual(other.Columns);

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}
