using Ferry.Engine.Rules;
using Ferry.Engine.Sql;

namespace Ferry.Engine.Compare.Internal;

/// <summary>
/// The SQL of one side of a compare: the source table with the rule's filter, or the target table under its new name. Both
/// sides use the same row text (<c>ROW(columns)::text</c>, each column its type's output text, docs/decisions/ADR-016-compare-and-repair.md)
/// and the same key order.
/// </summary>
/// <remarks>
/// Keys of text types are compared with <c>COLLATE "C"</c> on both sides: two servers (or two majors' ICU or glibc) may order
/// the same strings differently under a language collation, and ranges must hold the same keys on both sides. Such keys cannot
/// use their index for ranges; integer, uuid and date keys do.
/// </remarks>
internal sealed class TableSide
{
    private static readonly HashSet<string> Collatable = new(StringComparer.Ordinal)
    {
        "pg_catalog.text", "pg_catalog.varchar", "pg_catalog.bpchar", "pg_catalog.name",
    };

    private readonly TableRule _rule;
    private readonly string _table;
    private readonly string? _filter;
    private readonly string[] _keyExpressions;
    private readonly string[] _keyTypes;
    private readonly string _keyColumns;
    private readonly string _columnTexts;

    public TableSide(TableRule rule, bool source, bool filtered = false)
    {
        _rule = rule;
        _table = source ? rule.Source.Quoted : rule.Target.Quoted;
        var filter = (source || filtered) && rule.Filter is not null ? FilterSql.Parenthesized(rule.Filter) : null;
        // A merge's target table also holds the other sources' rows: this compare sees only the rule's own
        // (docs/decisions/ADR-021-merge.md).
        var owned = source || rule.OwnedRows is null ? null
            : $"EXISTS (SELECT FROM (SELECT t.*) AS {FilterSql.RowAlias(rule.Source)} WHERE {FilterSql.Parenthesized(rule.OwnedRows)})";
        _filter = filter is null ? owned : owned is null ? filter : $"{filter} AND {owned}";
        var byName = rule.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        _keyExpressions = [.. rule.Key.Select(k => Collated("t." + Identifiers.Quote(k), byName[k]))];
        _keyTypes = [.. rule.Key.Select(k => byName[k].Type)];
        _keyColumns = string.Join(", ", rule.Key.Select(k => "t." + Identifiers.Quote(k)));
        KeyText = KeyTextOf("t");
        RowHash = "('x' || left(md5(ROW(" + string.Join(", ", rule.Columns.Select(c => "t." + Identifiers.Quote(c.Name)))
            + ")::text), 16))::bit(64)::bigint";
        _columnTexts = string.Join(", ", rule.Columns.Select(c => "t." + Identifiers.Quote(c.Name) + "::text"));
        ColumnTexts = "ARRAY[" + _columnTexts + "]";
        OrderBy = string.Join(", ", _keyExpressions);
    }

    /// <summary>The key's column texts as text[].</summary>
    public string KeyText { get; }

    /// <summary>A 64-bit hash of the row text.</summary>
    public string RowHash { get; }

    /// <summary>Every column's text as text[], in the rule's column order.</summary>
    public string ColumnTexts { get; }

    public string OrderBy { get; }

    /// <summary>Count and sum of row hashes of a range. Parameters: $1 after, $2 up to (text[] or null).</summary>
    public string Summary(KeyRange range) =>
        $"SELECT count(*), coalesce(sum({RowHash}), 0)::text FROM {_table} AS t WHERE {Where(range)}";

    /// <summary>Every <c>$3</c>-th key of a range in key order (the ends of sub-ranges of $3 rows).</summary>
    /// <remarks>The key's texts are made for the boundaries only, not for every row the window walks.</remarks>
    public string Boundaries(KeyRange range) => $"""
        SELECT {KeyTextOf("b")} FROM (SELECT {_keyColumns}, row_number() OVER (ORDER BY {OrderBy}) AS ferry_n
          FROM {_table} AS t WHERE {Where(range)}) AS b
        WHERE b.ferry_n % $3 = 0 ORDER BY b.ferry_n
        """;

    /// <summary>Every row of a range (for the target's side of <see cref="LeafSql"/>).</summary>
    public string RowsIn(KeyRange range) => $"SELECT t.* FROM {_table} AS t WHERE {Where(range)}";

    /// <summary>Key and row hash of each row of a range, in no particular order.</summary>
    public string RowHashes(KeyRange range) => $"SELECT {KeyText}, {RowHash} FROM {_table} AS t WHERE {Where(range)}";

    /// <summary>Key and column texts of the rows whose keys are given, one text[] parameter per key column ($1, $2, ...).</summary>
    public string RowsByKey()
    {
        var names = _rule.Key.Select((_, i) => "k" + i).ToArray();
        var arrays = string.Join(", ", names.Select((_, i) => $"${i + 1}::text[]"));
        var match = string.Join(" AND ", _rule.Key.Select((k, i) => $"t.{Identifiers.Quote(k)} = u.{names[i]}::{_keyTypes[i]}"));
        return $"SELECT {KeyText}, {ColumnTexts} FROM {_table} AS t JOIN unnest({arrays}) AS u({string.Join(", ", names)}) ON {match}"
            + (_filter is null ? "" : $" WHERE {_filter}");
    }

    /// <summary>
    /// Key and text row of the rows whose keys are given (as <see cref="RowsByKey"/>), for a repair: the encoding the apply
    /// loop writes (docs/decisions/ADR-014-exact-row-encoding.md), a JSON object with the marker key <c>""</c> and each
    /// column's output text or null, so JSON <c>null</c> stays apart from SQL NULL and NaN, array bounds and arrays with
    /// NULL come back exactly. <c>json_object</c> of two text arrays has no argument limit (a wide table has hundreds).
    /// </summary>
    public string TextRowByKey() => RowsByKey().Replace($"SELECT {KeyText}, {ColumnTexts} FROM",
        $"SELECT {KeyText}, json_object(ARRAY[''{string.Concat(_rule.Columns.Select(c => ", " + TargetTableSql.Literal(c.Name)))}]::text[], "
        + $"ARRAY['1', {_columnTexts}]::text[])::text FROM", StringComparison.Ordinal);

    private string KeyTextOf(string alias) => "ARRAY[" + string.Join(", ", _rule.Key.Select(k => alias + "." + Identifiers.Quote(k) + "::text")) + "]";

    private string Where(KeyRange range)
    {
        var parts = new List<string>();
        if (range.After is not null)
        {
            parts.Add($"({string.Join(", ", _keyExpressions)}) > ({Parameter(1)})");
        }
        if (range.UpTo is not null)
        {
            parts.Add($"({string.Join(", ", _keyExpressions)}) <= ({Parameter(2)})");
        }
        if (_filter is not null)
        {
            parts.Add(_filter);
        }
        return parts.Count == 0 ? "true" : string.Join(" AND ", parts);
    }

    // ROW(a) > ROW(b) on one column is a plain comparison; a row constructor keeps one shape for any key width.
    private string Parameter(int number) =>
        string.Join(", ", _keyTypes.Select((type, i) => Collated($"(${number}::text[])[{i + 1}]::{type}", _rule.Columns.First(c => c.Name == _rule.Key[i]))));

    private static string Collated(string expression, ColumnDefinition column) =>
        Collatable.Contains(column.TypeName) ? expression + " COLLATE \"C\"" : expression;
}
