using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Rules;

/// <summary>
/// A database for row filter tests: a table, functions of every kind (volatile, overloaded, behind an operator, a cast, a
/// domain, a default argument, IMMUTABLE labels that lie), and a login role without TEMP. One per name and major, made once.
/// </summary>
internal sealed class FilterDatabase(string name, NpgsqlDataSource owner, NpgsqlDataSource role)
{
    public const string RoleName = "ferry_filter_no_temp";

    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static readonly Dictionary<(int, string), FilterDatabase> s_made = [];

    public string Name { get; } = name;

    /// <summary>The superuser.</summary>
    public NpgsqlDataSource Owner { get; } = owner;

    /// <summary>The role Ferry would connect as: SELECT on the table, no TEMP on the database.</summary>
    public NpgsqlDataSource Role { get; } = role;

    public static async Task<FilterDatabase> GetAsync(ClusterFixture clusters, int major, string name, CancellationToken ct)
    {
        await s_gate.WaitAsync(ct);
        try
        {
            if (!s_made.TryGetValue((major, name), out var database))
            {
                database = await CreateAsync(clusters, major, name, ct);
                s_made[(major, name)] = database;
            }
            return database;
        }
        finally
        {
            s_gate.Release();
        }
    }

    private static async Task<FilterDatabase> CreateAsync(ClusterFixture clusters, int major, string name, CancellationToken ct)
    {
        var connectionString = await clusters.CreateDatabaseAsync(major, name);
        var owner = NpgsqlDataSource.Create(connectionString);
        await using (var command = owner.CreateCommand($$"""
            DO $$ BEGIN CREATE ROLE {{RoleName}} LOGIN PASSWORD 'pw'; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            REVOKE TEMP ON DATABASE {{name}} FROM PUBLIC;
            CREATE EXTENSION dblink;
            CREATE SCHEMA app;
            CREATE SCHEMA other;
            CREATE TYPE other.mood AS ENUM ('a', 'b');
            CREATE TABLE app.users (userid int PRIMARY KEY, region text, engname text, born date, note text, mood other.mood);
            INSERT INTO app.users SELECT i, CASE WHEN i % 2 = 0 THEN 'EU' ELSE 'US' END, 'u' || i, DATE '2000-01-01' + i, NULL, 'a'
            FROM generate_series(1, 20) i;
            CREATE TABLE app.victim (x int);
            CREATE TABLE other.log (x int);
            CREATE SEQUENCE other.seq;
            CREATE FUNCTION other.side_effect(int) RETURNS boolean LANGUAGE sql AS 'INSERT INTO other.log VALUES ($1) RETURNING true';
            CREATE FUNCTION other.pick(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 % 10';
            CREATE FUNCTION other.pick(text) RETURNS int LANGUAGE sql VOLATILE AS 'SELECT length($1)';
            CREATE FUNCTION other.double_it(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
            CREATE FUNCTION other.same(int, int) RETURNS boolean LANGUAGE sql VOLATILE AS 'SELECT $1 = $2';
            CREATE OPERATOR other.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = other.same);
            CREATE TYPE other.flag AS (v int);
            CREATE FUNCTION other.to_flag(int) RETURNS other.flag LANGUAGE sql VOLATILE AS 'SELECT ROW($1)::other.flag';
            CREATE CAST (int AS other.flag) WITH FUNCTION other.to_flag(int);
            CREATE DOMAIN other.checked AS int CHECK (other.side_effect(VALUE));
            CREATE FUNCTION other.defaulted(a int, b bigint DEFAULT nextval('other.seq')) RETURNS boolean LANGUAGE sql IMMUTABLE
                AS 'SELECT $1 > 0';
            -- IMMUTABLE labels that lie: the evaluation's READ ONLY transaction and timeout must hold them.
            CREATE FUNCTION other.liar_writes(int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE
                AS $f$ BEGIN PERFORM other.side_effect($1); RETURN true; END $f$;
            CREATE FUNCTION other.liar_sleeps(int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE
                AS $f$ BEGIN PERFORM pg_sleep(60); RETURN true; END $f$;
            GRANT USAGE ON SCHEMA app, other TO {{RoleName}};
            GRANT SELECT ON ALL TABLES IN SCHEMA app TO {{RoleName}};
            GRANT SELECT, INSERT ON other.log TO {{RoleName}};
            GRANT USAGE ON SEQUENCE other.seq TO {{RoleName}};
            """))
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        var role = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            Username = RoleName,
            Password = "pw",
        }.ConnectionString);
        await using (var check = role.CreateCommand("SELECT has_database_privilege(current_database(), 'TEMP')"))
        {
            Assert.False((bool)(await check.ExecuteScalarAsync(ct))!, "The test role must not have TEMP.");
        }
        return new FilterDatabase(name, owner, role);
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = Owner.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = Owner.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
