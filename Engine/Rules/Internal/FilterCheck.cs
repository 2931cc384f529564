using Npgsql;

namespace Ferry.Engine.Rules.Internal;

/// <summary>
/// Checks that a row filter is ONE boolean expression over one table's columns that calls only immutable functions,
/// without running it on any row and without creating or writing anything (no TEMP privilege needed).
/// </summary>
/// <remarks>
/// <para>
/// First the text (<see cref="FilterText"/>): balanced outside quotes, comments and dollar quotes, no <c>;</c>, no
/// <c>$n</c>. Then the server parses, never runs, <c>SELECT $1::int FROM tbl WHERE NOT (filter)</c> in a READ ONLY
/// transaction with a statement and lock timeout: the statement is only prepared (extended protocol Parse), and the
/// positional parameter makes Npgsql send it as ONE statement. With <c>debug_print_parse</c> and
/// <c>client_min_messages = log</c> (both settable by any role) the server sends the analysed parse tree back as a LOG
/// notice. Its WHERE clause must be the <c>NOT</c> with the filter as its only argument, which a text that escapes its
/// parentheses cannot give; and the filter's tree is proven safe from the catalog (<see cref="FilterExpressionCheck"/>).
/// </para>
/// <para>
/// The whole query must keep the shape Ferry wrote (one table, no set operation, CTE, grouping or ordering), so nothing
/// but a WHERE clause can have come in with the filter. The only text in the tree a user chose are the table's column
/// names, whose spaces, braces and parentheses the server escapes; a tree Ferry cannot read is refused.
/// </para>
/// </remarks>
internal static class FilterCheck
{
    private const string ParseTreeMessage = "parse tree:";

    /// <summary>Returns null when the filter is fine, else what is wrong with it.</summary>
    /// <param name="alias">
    /// The name the table's row has wherever the filter runs (<see cref="FilterSql.RowAlias(TableName)"/>): a filter naming
    /// anything else, its schema too, is refused here rather than failing later.
    /// </param>
    public static async Task<string?> ProblemAsync(
        NpgsqlConnection connection, TableName table, string alias, TableDescription description, string filter,
        CancellationToken cancellationToken)
    {
        var standardStrings = !(connection.PostgresParameters.TryGetValue("standard_conforming_strings", out var scs) && scs == "off");
        if (FilterText.Problem(filter, standardStrings) is { } textProblem)
        {
            return textProblem;
        }
        // Npgsql hides a notice's detail (where the parse tree is) unless the connection string asks for it: check on a clone
        // of the connection (same credentials) that does.
        var settings = new NpgsqlConnectionStringBuilder(connection.ConnectionString) { IncludeErrorDetail = true };
        await using var checkConnection = connection.CloneWith(settings.ConnectionString);
        await checkConnection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await CheckAsync(checkConnection, table, alias, description, filter, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string?> CheckAsync(
        NpgsqlConnection connection, TableName table, string alias, TableDescription description, string filter,
        CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FilterSql.ReadOnlyAsync(connection, transaction, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            await using (var debug = new NpgsqlCommand(
                "SET LOCAL lock_timeout = '2s'; SET LOCAL debug_pretty_print = off; SET LOCAL debug_print_parse = on; "
                + "SET LOCAL client_min_messages = log", connection, transaction))
            {
                await debug.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var tree = await ParseAsync(connection, transaction, table, alias, description, filter, cancellationToken)
                .ConfigureAwait(false);
            if (tree is null)
            {
                return "Ferry could not read how the server parses it (no parse tree came back), so it cannot prove the filter safe";
            }
            if (ShapeProblem(ParseTreeNode.Read(tree), out var where) is { } shape)
            {
                return shape;
            }
            if (where is not ParseTreeNode { Name: "BOOLEXPR" } negation || negation["boolop"] as string != "not"
                || negation["args"] is not ParseTreeList { Items: [var expression] })
            {
                return "it is not one expression: the server reads it as several conditions joined outside its parentheses";
            }
            return await new FilterExpressionCheck(connection, transaction).ProblemAsync(expression, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return $"{e.MessageText}: write the column alone (userid), or after the table's name only ({alias}.userid), "
                + "without a schema";
        }
        catch (PostgresException e)
        {
            return e.MessageText;
        }
        catch (FormatException e)
        {
            return $"Ferry could not read the server's parse tree ({e.Message}), so it cannot prove the filter safe";
        }
        finally
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Prepares (never runs) the filter's query and returns the parse tree the server sent as a LOG notice.</summary>
    private static async Task<string?> ParseAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TableName table, string alias, TableDescription description,
        string filter, CancellationToken cancellationToken)
    {
        string? tree = null;
        void OnNotice(object sender, NpgsqlNoticeEventArgs e)
        {
            if (e.Notice.MessageText == ParseTreeMessage && e.Notice.Detail is { } detail)
            {
                tree = detail;
            }
        }
        await using var command = new NpgsqlCommand(
            $"SELECT $1::int FROM {Only(description)}{table.Quoted} AS {alias} WHERE NOT {FilterSql.Parenthesized(filter)}",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = 1 });
        connection.Notice += OnNotice;
        try
        {
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            await command.UnprepareAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            connection.Notice -= OnNotice;
        }
        return tree;
    }

    /// <summary>
    /// Checks that the parsed query is still the plain <c>SELECT … FROM table WHERE …</c> Ferry wrote (no set operation,
    /// CTE, grouping, ordering or second table came in with the filter) and returns its WHERE clause.
    /// </summary>
    private static string? ShapeProblem(object tree, out object? where)
    {
        where = null;
        if (tree is not ParseTreeNode { Name: "QUERY" } query)
        {
            return "Ferry could not read the server's parse tree, so it cannot prove the filter safe";
        }
        if (query["hasSubLinks"] as string == "true")
        {
            return "it contains a subquery; a filter may only use the columns of its own table";
        }
        string[] empty =
        [
            "utilityStmt", "cteList", "setOperations", "groupClause", "groupingSets", "havingQual", "windowClause", "distinctClause",
            "sortClause", "limitOffset", "limitCount", "rowMarks", "onConflict", "returningList",
        ];
        string[] unset = ["hasAggs", "hasWindowFuncs", "hasTargetSRFs", "hasDistinctOn", "hasRecursive", "hasModifyingCTE", "hasForUpdate"];
        if (query["commandType"] as string != "1"
            || query["rtable"] is not ParseTreeList { Items.Count: 1 }
            || query["jointree"] is not ParseTreeNode { Name: "FROMEXPR" } from
            || from["fromlist"] is not ParseTreeList { Items: [ParseTreeNode { Name: "RANGETBLREF" }] }
            || empty.Any(f => query[f] is { } value && value as string != "<>")
            || unset.Any(f => query[f] is { } value && value as string != "false"))
        {
            return "it is not a plain condition on the table: the server reads more than a WHERE clause into the query";
        }
        where = from["quals"];
        return where is ParseTreeNode ? null : "Ferry could not find its condition in the server's parse tree";
    }

    /// <summary><c>ONLY</c> for plain tables (inheritance children have capture of their own); none for partitioned ones.</summary>
    public static string Only(TableDescription description) => description.Kind == 'p' ? "" : "ONLY ";
}
