using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Replication.Internal;

/// <summary>How events and the target's state name a source table.</summary>
internal static class EventNames
{
    /// <summary>The table as events and the target state name it: <c>quote_ident(schema).quote_ident(name)</c>.</summary>
    public static async Task<string> OfAsync(NpgsqlDataSource source, TableName table, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand("SELECT quote_ident($1) || '.' || quote_ident($2)");
        command.Parameters.Add(new NpgsqlParameter { Value = table.Schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table.Name });
        return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
