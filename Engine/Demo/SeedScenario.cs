using System.Globalization;
using System.Reflection;
using Ferry.Engine.Sql;
using Npgsql;

namespace Ferry.Engine.Demo;

/// <summary>
/// Builds the seed scenario (README.md, <c>./ferry --demo</c>): a source database with <c>user_info</c>,
/// <c>user_session</c>, two log tables without a key, two sequences and the login/logout workload functions; and
/// target databases with the same tables (all four, or only the two user tables) in a schema named after their owner role.
/// </summary>
public static class SeedScenario
{
    /// <summary>The tables that have a primary key and can be replicated.</summary>
    public static readonly string[] KeyedTables = ["user_info", "user_session"];

    /// <summary>The append-only log tables without any key: adding them must be refused.</summary>
    public static readonly string[] KeylessTables = ["user_login_rec", "user_logout_rec"];

    public static readonly string[] Sequences = ["seq_login_id", "seq_logout_id"];

    /// <summary>
    /// The seed's workload: logins and logouts (<c>f_user_login</c> / <c>f_user_logout</c>, each with a <c>nextval</c> of its
    /// sequence) of random users 1 to 2,000 on one connection, with <paramref name="pause"/> (2 ms unless given) after each
    /// call, until <paramref name="stop"/>.
    /// </summary>
    /// <returns>How many calls ran.</returns>
    public static async Task<long> WorkloadAsync(
        NpgsqlDataSource source, string schema, CancellationToken stop, int seed = 13, TimeSpan? pause = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var random = new Random(seed);
        var quoted = Identifiers.Quote(schema);
        long calls = 0;
        await using var connection = await source.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
        await using var login = new NpgsqlCommand($"SELECT {quoted}.f_user_login($1), nextval($2::regclass)", connection);
        await using var logout = new NpgsqlCommand($"SELECT {quoted}.f_user_logout($1), nextval($2::regclass)", connection);
        login.Parameters.Add(new NpgsqlParameter<int>());
        login.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{quoted}.seq_login_id" });
        logout.Parameters.Add(new NpgsqlParameter<int>());
        logout.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{quoted}.seq_logout_id" });
        while (!stop.IsCancellationRequested)
        {
            var command = random.Next(2) == 0 ? login : logout;
            ((NpgsqlParameter<int>)command.Parameters[0]).TypedValue = random.Next(1, 2001);
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            calls++;
            await Task.Delay(pause ?? TimeSpan.FromMilliseconds(2), CancellationToken.None).ConfigureAwait(false);
        }
        return calls;
    }

    /// <summary>
    /// Creates (or recreates) the source database owned by <paramref name="role"/>, with schema <paramref name="role"/>
    /// holding the tables, <paramref name="users"/> users, the sequences and the workload functions.
    /// </summary>
    /// <param name="superuserConnectionString">A superuser connection to any database of the cluster.</param>
    /// <returns>A connection string to the new database as the owner role.</returns>
    public static async Task<string> CreateSourceAsync(
        string superuserConnectionString, string database, string role, string password, int users,
        CancellationToken cancellationToken = default)
    {
        var ownerConnection = await CreateDatabaseAsync(superuserConnectionString, database, role, password, cancellationToken)
            .ConfigureAwait(false);
        await using var connection = new NpgsqlConnection(ownerConnection);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"CREATE SCHEMA {Identifiers.Quote(role)}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SET search_path = {Identifiers.Quote(role)}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, Script("seed-tables.sql"), cancellationToken).ConfigureAwait(false);
        var source = Script("seed-source.sql").Replace(":users", users.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        await ExecuteAsync(connection, source, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "ANALYZE", cancellationToken).ConfigureAwait(false);
        return ownerConnection;
    }

    /// <summary>
    /// Creates (or recreates) a target database owned by <paramref name="role"/> with the seed tables in schema
    /// <paramref name="role"/>: all four tables, or only the two user tables when <paramref name="allTables"/> is false.
    /// </summary>
    /// <returns>A connection string to the new database as the owner role.</returns>
    public static async Task<string> CreateTargetAsync(
        string superuserConnectionString, string database, string role, string password, bool allTables,
        CancellationToken cancellationToken = default)
    {
        var ownerConnection = await CreateDatabaseAsync(superuserConnectionString, database, role, password, cancellationToken)
            .ConfigureAwait(false);
        await using var connection = new NpgsqlConnection(ownerConnection);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"CREATE SCHEMA {Identifiers.Quote(role)}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SET search_path = {Identifiers.Quote(role)}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, Script("seed-tables.sql"), cancellationToken).ConfigureAwait(false);
        if (!allTables)
        {
            await ExecuteAsync(connection, "DROP TABLE user_login_rec, user_logout_rec", cancellationToken).ConfigureAwait(false);
        }
        await ExecuteAsync(connection, Script("seed-target-keys.sql"), cancellationToken).ConfigureAwait(false);
        return ownerConnection;
    }

    private static async Task<string> CreateDatabaseAsync(
        string superuserConnectionString, string database, string role, string password, CancellationToken cancellationToken)
    {
        await using (var admin = new NpgsqlConnection(superuserConnectionString))
        {
            await admin.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = $1", admin))
            {
                exists.Parameters.Add(new NpgsqlParameter { Value = role });
                if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
                {
                    await ExecuteAsync(admin, $"CREATE ROLE {Identifiers.Quote(role)} NOSUPERUSER NOCREATEDB NOCREATEROLE LOGIN",
                        cancellationToken).ConfigureAwait(false);
                }
            }
            // Passwords cannot be parameters of utility statements: quote_literal on the server makes the literal.
            await using (var quote = new NpgsqlCommand("SELECT quote_literal($1)", admin))
            {
                quote.Parameters.Add(new NpgsqlParameter { Value = password });
                var literal = (string)(await quote.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                await ExecuteAsync(admin, $"ALTER ROLE {Identifiers.Quote(role)} PASSWORD {literal}", cancellationToken)
                    .ConfigureAwait(false);
            }
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {Identifiers.Quote(database)} WITH (FORCE)", cancellationToken)
                .ConfigureAwait(false);
            await ExecuteAsync(admin,
                $"CREATE DATABASE {Identifiers.Quote(database)} ENCODING 'UTF8' TEMPLATE template0 OWNER {Identifiers.Quote(role)}",
                cancellationToken).ConfigureAwait(false);
        }
        return new NpgsqlConnectionStringBuilder(superuserConnectionString)
        {
            Database = database,
            Username = role,
            Password = password,
        }.ConnectionString;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Script(string name)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + name, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
