namespace Ferry.Engine.Rules;

/// <summary>One column of a table as its database's catalog has it now (see <see cref="LiveColumns"/>).</summary>
/// <param name="Name">Column name.</param>
/// <param name="Number">attnum: stays with the column through a rename.</param>
/// <param name="Type">SQL type as <c>format_type</c> renders it, typmod included.</param>
/// <param name="Generated">A generated column: never written on a target (the target computes its own).</param>
/// <param name="HasMissing">
/// The column was added with a constant default: rows that existed then read <paramref name="MissingValue"/> (pg_attribute
/// <c>atthasmissing</c>, PostgreSQL 11+), without any event having said so.
/// </param>
/// <param name="MissingValue">That value's output text (null: SQL NULL).</param>
/// <param name="HasDefault">The column has a default now.</param>
/// <param name="JsonType"><c>json</c> or <c>jsonb</c> for those types and domains over them; null otherwise.</param>
public sealed record LiveColumn(
    string Name, int Number, string Type, bool Generated, bool HasMissing, string? MissingValue, bool HasDefault, string? JsonType);
