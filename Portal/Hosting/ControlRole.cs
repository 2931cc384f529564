using Ferry.Engine.LocalServer;
using Npgsql;

namespace Ferry.Portal.Hosting;

/// <summary>
/// The embedded cluster's control database belongs to a role of its own, <see cref="Name"/>: LOGIN, no superuser, no
/// CREATEDB, no CREATEROLE, owner of the control database only (other roles may not even connect to it). The portal
/// connects as that role; the superuser stays for creating clusters and the demo databases. Its generated password is
/// kept in <c>&lt;data&gt;/control-password</c> (0600).
/// </summary>
/// <remarks>
/// A control database made by an older Ferry (owned by the superuser, with its schemas and tables) is handed over:
/// the database, the <c>ferry</c> and <c>hangfire</c> schemas and everything in them change owner once.
/// </remarks>
internal static class ControlRole
{
    public const string Name = "ferry_portal";

    /// <summary>Makes sure the role and the control database exist as described; returns the portal's connection string.</summary>
    public static async Task<string> EnsureAsync(LocalCluster cluster, string dataRoot, string database, CancellationToken cancellationToken)
    {
        var file = Path.Combine(dataRoot, "control-password");
        var newPassword = !File.Exists(file);
        var password = newPassword ? SecretFiles.NewSecret() : (await File.ReadAllTextAsync(file, cancellationToken)).Trim();

        await using var superuser = NpgsqlDataSource.Create(cluster.ConnectionString());
        var roleExists = await ScalarAsync(superuser, "SELECT 1 FROM pg_roles WHERE rolname = $1", cancellationToken, Name) is not null;
        if (!roleExists || newPassword)
        {
            // DDL takes no parameters: the server quotes the password (format %L), it is never spliced here.
            var statement = (string)(await ScalarAsync(superuser,
                "SELECT format('%s ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L', $1, $2, $3)",
                cancellationToken, roleExists ? "ALTER" : "CREATE", Name, password))!;
            await ExecuteAsync(superuser, statement, cancellationToken);
        }
        if (newPassword)
        {
            await SecretFiles.WriteAsync(file, password + "\n", cancellationToken);
        }

        var owner = (string?)await ScalarAsync(superuser, "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1",
            cancellationToken, database);
        var quotedDatabase = Ferry.Engine.Sql.Identifiers.Quote(database);
        if (owner is null)
        {
            await ExecuteAsync(superuser, $"CREATE DATABASE {quotedDatabase} OWNER {Name} TEMPLATE template0 ENCODING 'UTF8'", cancellationToken);
        }
        else if (owner != Name)
        {
            await ExecuteAsync(superuser, $"ALTER DATABASE {quotedDatabase} OWNER TO {Name}", cancellationToken);
            await using var control = NpgsqlDataSource.Create(cluster.ConnectionString(database));
            await ExecuteAsync(control, HandOverSql, cancellationToken);
        }
        await ExecuteAsync(superuser, $"REVOKE ALL ON DATABASE {quotedDatabase} FROM PUBLIC", cancellationToken);

        return new NpgsqlConnectionStringBuilder(cluster.ConnectionString(database)) { Username = Name, Password = password }.ConnectionString;
    }

    /// <summary>Gives the schemas Ferry and Hangfire made, and what is in them, to the control role (run as superuser).</summary>
    private const string HandOverSql =
        """
        DO $$
        DECLARE
            r record;
        BEGIN
            FOR r IN SELECT n.nspname FROM pg_namespace n
                     WHERE n.nspname IN ('ferry', 'hangfire') AND n.nspowner <> 'ferry_portal'::regrole
            LOOP
                EXECUTE format('ALTER SCHEMA %I OWNER TO ferry_portal', r.nspname);
            END LOOP;
            -- Tables first: their identity and serial sequences follow them.
            FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname IN ('ferry', 'hangfire') AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
                       AND c.relowner <> 'ferry_portal'::regrole
                     ORDER BY c.relkind = 'S'
            LOOP
                IF r.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = r.name::oid AND d.deptype IN ('a', 'i')) THEN
                    CONTINUE;
                END IF;
                EXECUTE format('ALTER %s %s OWNER TO ferry_portal',
                    CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                   WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.name);
            END LOOP;
            FOR r IN SELECT p.oid::regprocedure AS name, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname IN ('ferry', 'hangfire') AND p.proowner <> 'ferry_portal'::regrole
            LOOP
                EXECUTE format('ALTER %s %s OWNER TO ferry_portal', CASE r.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, r.name);
            END LOOP;
            FOR r IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                     WHERE n.nspname IN ('ferry', 'hangfire') AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0
                       AND t.typowner <> 'ferry_portal'::regrole
            LOOP
                EXECUTE format('ALTER TYPE %s OWNER TO ferry_portal', r.name);
            END LOOP;
        END
        $$
        """;

    private static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
