namespace Ferry.Engine.Compare.Internal;

/// <summary>
/// A range of keys: after <see cref="After"/> (exclusive) up to <see cref="UpTo"/> (inclusive); null is unbounded. Keys are the
/// key columns' output texts, read back by the columns' types.
/// </summary>
internal sealed record KeyRange(string?[]? After, string?[]? UpTo)
{
    public static readonly KeyRange All = new(null, null);
}
