namespace Ferry.Engine.Rules;

/// <summary>One column of a replicated table.</summary>
/// <param name="Name">Column name as stored in the catalog.</param>
/// <param name="Type">SQL type as <c>format_type</c> renders it, typmod included (<c>character varying(20)</c>).</param>
/// <param name="TypeName">Schema-qualified base type (<c>pg_catalog.varchar</c>) used to compare source and target.</param>
/// <param name="NotNull">Whether the column is declared NOT NULL.</param>
/// <param name="JsonType">
/// <c>json</c> or <c>jsonb</c> when the column's type is one of them or a domain over one (such values are read from a text row
/// differently, see <c>TargetTableSql.Populate</c>); null otherwise.
/// </param>
public sealed record ColumnDefinition(string Name, string Type, string TypeName, bool NotNull, string? JsonType = null);
