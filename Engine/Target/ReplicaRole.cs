using Npgsql;

namespace Ferry.Engine.Target;

/// <summary>
/// Sets <c>session_replication_role = replica</c> for the apply transaction when the role may, so the target's ordinary
/// triggers and foreign-key checks do not fire for replicated rows.
/// <see href="https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-SESSION-REPLICATION-ROLE"/>
/// </summary>
public static class ReplicaRole
{
    /// <summary>What a role lacking the right should be given.</summary>
    public const string MissingRight =
        "the target role may not set session_replication_role, so target triggers and foreign keys fire on replicated rows: "
        + "use a superuser, or on PostgreSQL 15+ run GRANT SET ON PARAMETER session_replication_role TO <role>";

    /// <summary>Sets it (SET LOCAL) when allowed; checks first, so a missing right never aborts the transaction.</summary>
    public static async Task<bool> TrySetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var allowed = await ScalarAsync(connection, transaction, "SELECT current_setting('is_superuser') = 'on'", cancellationToken)
            .ConfigureAwait(false);
        if (!allowed && connection.PostgreSqlVersion.Major >= 15)
        {
            // has_parameter_privilege exists from PostgreSQL 15 on; older servers only let superusers set it.
            allowed = await ScalarAsync(connection, transaction,
                "SELECT has_parameter_privilege('session_replication_role', 'SET')", cancellationToken).ConfigureAwait(false);
        }
        if (allowed)
        {
            await using var set = new NpgsqlCommand("SET LOCAL session_replication_role = replica", connection, transaction);
            await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return allowed;
    }

    private static async Task<bool> ScalarAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
