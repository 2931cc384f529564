using Ferry.Engine.Sql;

namespace Ferry.Engine.Rules;

/// <summary>
/// The schemas of a target node into which table rules may write (docs/decisions/ADR-010-target-schemas.md). A copy or
/// resync empties its target table with triggers and foreign keys off, so an Admin limits where that can happen.
/// </summary>
/// <param name="Node">The target node's name, for the refusal.</param>
/// <param name="Allowed">The schemas an Admin allows; null when the node is not restricted (any schema but the reserved ones).</param>
public sealed record TargetSchemas(string Node, IReadOnlyList<string>? Allowed)
{
    /// <summary>The longest schema name PostgreSQL keeps (NAMEDATALEN - 1 bytes).</summary>
    public const int MaxNameLength = 63;

    /// <summary>
    /// Whether a schema belongs to Ferry (<c>ferry</c>: queue, copy and apply state) or to PostgreSQL (<c>pg_*</c>,
    /// <c>information_schema</c>): no table rule ever writes there, restricted node or not.
    /// </summary>
    public static bool IsReserved(string schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema is "ferry" or "information_schema" || schema.StartsWith("pg_", StringComparison.Ordinal);
    }

    /// <summary>What is wrong with a list an Admin enters, or null when it is fine.</summary>
    public static string? Error(IEnumerable<string>? schemas)
    {
        foreach (var schema in schemas ?? [])
        {
            var name = schema?.Trim() ?? "";
            if (name.Length == 0)
            {
                return "A target schema name is empty: remove it, or leave the list empty to allow any schema.";
            }
            if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxNameLength)
            {
                return $"The target schema name '{name}' is longer than {MaxNameLength} bytes.";
            }
            if (IsReserved(name))
            {
                return $"The schema '{name}' belongs to Ferry or PostgreSQL; table rules never write there: remove it from the list.";
            }
        }
        return null;
    }

    /// <summary>
    /// The list as stored: names trimmed, duplicates removed, in the order given; null (not restricted) when empty.
    /// </summary>
    public static List<string>? Clean(IEnumerable<string>? schemas)
    {
        var names = (schemas ?? []).Select(s => s.Trim()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        return names.Count == 0 ? null : names;
    }

    /// <summary>Null when a rule may write into <paramref name="target"/>, else why not.</summary>
    public string? Problem(TableName target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (IsReserved(target.Schema))
        {
            return $"The target table {target} is in schema {Identifiers.Quote(target.Schema)}, which belongs to Ferry or PostgreSQL: "
                + "table rules never write there. Choose a target in a schema of your own.";
        }
        if (Allowed is null || Allowed.Contains(target.Schema, StringComparer.Ordinal))
        {
            return null;
        }
        return $"Node '{Node}' lets table rules write only into schema(s) {string.Join(", ", Allowed.Select(Identifiers.Quote))}, "
            + $"and the target table {target} is in {Identifiers.Quote(target.Schema)}: a copy or resync empties its target table. "
            + "Choose a target in an allowed schema, or ask an Admin to add the schema to the node's target schemas (Nodes, edit "
            + $"'{Node}').";
    }

    /// <summary>Throws <see cref="TableRuleException"/> with <see cref="Problem"/> when a rule may not write there.</summary>
    public void Check(TableName target)
    {
        if (Problem(target) is { } problem)
        {
            throw new TableRuleException(problem);
        }
    }
}
