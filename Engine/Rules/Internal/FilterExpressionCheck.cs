using Npgsql;
using NpgsqlTypes;

namespace Ferry.Engine.Rules.Internal;

/// <summary>
/// Proves a parsed row filter safe from the catalog: every function it calls, directly, through an operator, a cast, an
/// I/O conversion, a domain's check or a default argument, must be IMMUTABLE, and every node must be one Ferry knows.
/// </summary>
/// <remarks>
/// The walk follows OIDs, not names, so overloads, other schemas and the search path cannot mislead it. Immutable
/// functions cannot write (PostgreSQL refuses data changes in non-volatile functions) and decide a row the same way on
/// the copy, on every event and on the target. Anything else, and anything this walk does not know (a subquery,
/// <c>CURRENT_DATE</c>, a sequence, a node type of a future major), is refused: what cannot be proven safe is not
/// accepted. An IMMUTABLE label is trusted as PostgreSQL trusts it for indexes; the READ ONLY transaction and the
/// statement timeout every evaluation runs under are the net under a label that lies (docs/decisions/ADR-009-row-filters.md).
/// </remarks>
internal sealed class FilterExpressionCheck(NpgsqlConnection connection, NpgsqlTransaction transaction)
{
    // Expression nodes that call nothing themselves (their children are walked).
    private static readonly HashSet<string> s_plain =
    [
        "VAR", "CONST", "BOOLEXPR", "NULLTEST", "BOOLEANTEST", "CASEEXPR", "CASEWHEN", "CASETESTEXPR", "COALESCEEXPR",
        "MINMAXEXPR", "RELABELTYPE", "ARRAYEXPR", "ROWEXPR", "COLLATEEXPR", "FIELDSELECT", "ARRAYCOERCEEXPR",
        "CONVERTROWTYPEEXPR", "SUBSCRIPTINGREF", "NAMEDARGEXPR", "COERCETODOMAINVALUE",
    ];

    private readonly Dictionary<uint, string> _functions = [];
    private readonly Dictionary<uint, string> _operators = [];
    private readonly Dictionary<uint, string> _inputs = [];
    private readonly Dictionary<uint, string> _outputs = [];
    private readonly Dictionary<uint, string> _domains = [];
    private readonly HashSet<uint> _checkedFunctions = [];
    private readonly HashSet<uint> _checkedOperators = [];
    private readonly HashSet<uint> _checkedInputs = [];
    private readonly HashSet<uint> _checkedOutputs = [];
    private readonly HashSet<uint> _checkedDomains = [];

    /// <summary>Null when the expression is safe, else what is wrong with it.</summary>
    public async Task<string?> ProblemAsync(object expression, CancellationToken cancellationToken)
    {
        var trees = new List<(object Tree, string Origin)> { (expression, "") };
        while (trees.Count > 0)
        {
            foreach (var (tree, origin) in trees)
            {
                if (Walk(tree, origin) is { } problem)
                {
                    return problem;
                }
            }
            trees.Clear();
            if (await ResolveAsync(trees, cancellationToken).ConfigureAwait(false) is { } unsafeCall)
            {
                return unsafeCall;
            }
        }
        return null;
    }

    /// <summary>Records what the tree calls; returns a problem for a node that is never safe.</summary>
    private string? Walk(object? value, string origin)
    {
        switch (value)
        {
            case ParseTreeList list:
                foreach (var item in list.Items)
                {
                    if (Walk(item, origin) is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            case not ParseTreeNode:
                return null;
        }
        var node = (ParseTreeNode)value;
        switch (node.Name)
        {
            case "VAR" when node.Int("varattno") < 0:
                return "it uses a system column (such as ctid or xmin), which is not part of the row Ferry replicates";
            case "VAR" when node.Int("varlevelsup") != 0:
                return "it refers to an outer query; a filter may only use the columns of its own table";
            case "FUNCEXPR":
                Add(_functions, node.Oid("funcid"), origin);
                break;
            case "OPEXPR" or "DISTINCTEXPR" or "NULLIFEXPR" or "SCALARARRAYOPEXPR":
                Add(_operators, node.Oid("opno"), origin);
                Add(_functions, node.Oid("opfuncid"), origin);
                Add(_functions, node.Oid("hashfuncid"), origin);
                Add(_functions, node.Oid("negfuncid"), origin);
                break;
            case "ROWCOMPAREEXPR":
                if (node["opnos"] is ParseTreeList opnos)
                {
                    foreach (var opno in opnos.Items.OfType<string>())
                    {
                        Add(_operators, uint.TryParse(opno, out var oid) ? oid : null, origin);
                    }
                }
                break;
            case "COERCEVIAIO":
                // Output function of the argument's type, input function of the result type (contain_mutable_functions does the same).
                if (ExpressionType(node["arg"]) is not { } argumentType)
                {
                    return $"it converts a value whose type Ferry cannot tell ({Describe(node["arg"])}), so it cannot check the conversion";
                }
                Add(_outputs, argumentType, origin);
                Add(_inputs, node.Oid("resulttype"), origin);
                break;
            case "COERCETODOMAIN":
                Add(_domains, node.Oid("resulttype"), origin);
                break;
            case "SUBLINK":
                return "it contains a subquery; a filter may only use the columns of its own table";
            case "SQLVALUEFUNCTION":
                return "it uses CURRENT_DATE, CURRENT_USER or a similar value, which is not immutable: the same row would be decided "
                    + "differently at another time or by another role";
            case "PARAM":
                return "it refers to a query parameter ($n); write the value into the expression";
            case "NEXTVALUEEXPR":
                return "it takes a sequence value, which is not immutable and changes the database";
            case not null when !s_plain.Contains(node.Name):
                return $"it uses an expression Ferry cannot check ({node.Name}{origin}); write it with the table's columns, constants, "
                    + "operators and immutable functions";
        }
        foreach (var values in node.Fields.Values)
        {
            foreach (var child in values)
            {
                if (Walk(child, origin) is { } problem)
                {
                    return problem;
                }
            }
        }
        return null;
    }

    /// <summary>Looks up what the walk found; returns a problem, or adds the trees (domain checks, defaults) to walk next.</summary>
    private async Task<string?> ResolveAsync(List<(object Tree, string Origin)> trees, CancellationToken cancellationToken)
    {
        // Operators and types lead to functions, domains and functions to trees: resolve in that order.
        if (Take(_operators, _checkedOperators) is { Count: > 0 } operators)
        {
            var rows = await QueryAsync(
                "SELECT o.oid, o.oid::regoperator::text, o.oprcode::oid FROM pg_catalog.pg_operator o WHERE o.oid = ANY($1)",
                operators.Keys, cancellationToken).ConfigureAwait(false);
            if (rows.Count != operators.Count)
            {
                return "it uses an operator Ferry cannot find in the catalog";
            }
            foreach (var row in rows)
            {
                // The walk saw this function as the node's opfuncid already: name the operator in the message instead.
                var function = (uint)row[2]!;
                if (function != 0 && !_checkedFunctions.Contains(function))
                {
                    _functions[function] = $" (the operator {row[1]}{operators[(uint)row[0]!]})";
                }
            }
        }
        foreach (var (types, output) in new[] { (Take(_outputs, _checkedOutputs), true), (Take(_inputs, _checkedInputs), false) })
        {
            if (types.Count == 0)
            {
                continue;
            }
            var rows = await QueryAsync(
                $"SELECT t.oid, pg_catalog.format_type(t.oid, NULL), t.{(output ? "typoutput" : "typinput")}::oid "
                + "FROM pg_catalog.pg_type t WHERE t.oid = ANY($1)", types.Keys, cancellationToken).ConfigureAwait(false);
            if (rows.Count != types.Count)
            {
                return "it converts a value of a type Ferry cannot find in the catalog";
            }
            foreach (var row in rows)
            {
                Add(_functions, (uint)row[2]!, $" (to convert {(output ? "from" : "to")} {row[1]} as text{types[(uint)row[0]!]})");
            }
        }
        if (Take(_domains, _checkedDomains) is { Count: > 0 } domains)
        {
            // A domain's checks, and those of the domains it is based on.
            var rows = await QueryAsync("""
                WITH RECURSIVE d(oid, origin) AS (
                    SELECT t.oid, t.oid FROM pg_catalog.pg_type t WHERE t.oid = ANY($1)
                    UNION
                    SELECT t.typbasetype, d.origin FROM pg_catalog.pg_type t JOIN d ON t.oid = d.oid WHERE t.typtype = 'd')
                SELECT d.origin, pg_catalog.format_type(c.contypid, NULL), c.conbin::text
                FROM d JOIN pg_catalog.pg_constraint c ON c.contypid = d.oid
                WHERE c.contype = 'c' AND c.conbin IS NOT NULL
                """, domains.Keys, cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                trees.Add((ParseTreeNode.Read((string)row[2]!), $" (in a check of the domain {row[1]}{domains[(uint)row[0]!]})"));
            }
        }
        if (Take(_functions, _checkedFunctions) is { Count: > 0 } functions)
        {
            var rows = await QueryAsync("""
                SELECT p.oid, p.oid::regprocedure::text, p.provolatile, p.proargdefaults::text
                FROM pg_catalog.pg_proc p WHERE p.oid = ANY($1)
                """, functions.Keys, cancellationToken).ConfigureAwait(false);
            if (rows.Count != functions.Count)
            {
                return "it calls a function Ferry cannot find in the catalog";
            }
            foreach (var row in rows)
            {
                var origin = functions[(uint)row[0]!];
                var volatility = (char)row[2]!;
                if (volatility != 'i')
                {
                    return $"it calls {row[1]}{origin}, which is not immutable ({(volatility == 's' ? "stable" : "volatile")}): a "
                        + "filter must decide a row the same way on the copy, on every later change and on the target, and must "
                        + "never act on the database; use only the row's columns, constants and immutable functions";
                }
                if (row[3] is string defaults)
                {
                    trees.Add((ParseTreeNode.Read(defaults), $" (in a default argument of {row[1]}{origin})"));
                }
            }
        }
        return null;
    }

    /// <summary>Runs a catalog query over OIDs; every row's columns as uint, string, char or null.</summary>
    private async Task<List<object?[]>> QueryAsync(string sql, IEnumerable<uint> oids, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = oids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            rows.Add(row);
        }
        return rows;
    }

    private static void Add(Dictionary<uint, string> found, uint? oid, string origin)
    {
        if (oid is { } o and not 0)
        {
            found.TryAdd(o, origin);
        }
    }

    /// <summary>The entries not looked up yet; marks them looked up.</summary>
    private static Dictionary<uint, string> Take(Dictionary<uint, string> found, HashSet<uint> done)
    {
        var fresh = found.Where(f => done.Add(f.Key)).ToDictionary(f => f.Key, f => f.Value);
        return fresh;
    }

    /// <summary>The type an expression node yields (PostgreSQL's exprType for the nodes the walk allows), or null.</summary>
    private static uint? ExpressionType(object? value)
    {
        if (value is not ParseTreeNode node)
        {
            return null;
        }
        return node.Name switch
        {
            "VAR" => node.Oid("vartype"),
            "CONST" => node.Oid("consttype"),
            "FUNCEXPR" => node.Oid("funcresulttype"),
            "OPEXPR" or "DISTINCTEXPR" or "NULLIFEXPR" => node.Oid("opresulttype"),
            "SCALARARRAYOPEXPR" or "BOOLEXPR" or "NULLTEST" or "BOOLEANTEST" or "ROWCOMPAREEXPR" => 16,
            "CASEEXPR" => node.Oid("casetype"),
            "COALESCEEXPR" => node.Oid("coalescetype"),
            "MINMAXEXPR" => node.Oid("minmaxtype"),
            "RELABELTYPE" or "COERCEVIAIO" or "ARRAYCOERCEEXPR" or "COERCETODOMAIN" or "FIELDSELECT" or "CONVERTROWTYPEEXPR" =>
                node.Oid("resulttype"),
            "COLLATEEXPR" or "NAMEDARGEXPR" => ExpressionType(node["arg"]),
            "ARRAYEXPR" => node.Oid("array_typeid"),
            "ROWEXPR" => node.Oid("row_typeid"),
            "CASETESTEXPR" or "COERCETODOMAINVALUE" => node.Oid("typeId"),
            // PostgreSQL 14+ says the result type; before, a slice (with lower bounds) is the container, an element its type.
            "SUBSCRIPTINGREF" => node.Oid("refrestype")
                ?? (node["reflowerindexpr"] is ParseTreeList { Items.Count: > 0 } ? node.Oid("refcontainertype") : node.Oid("refelemtype")),
            _ => null,
        };
    }

    private static string Describe(object? value) => value is ParseTreeNode node ? node.Name : "?";
}
