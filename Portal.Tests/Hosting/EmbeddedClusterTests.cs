using Ferry.Portal.Hosting;
using Ferry.Portal.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ferry.Portal.Tests.Hosting;

/// <summary>The embedded default: a cluster in the portal's data folder, its password beside it, reused on the next start.</summary>
[Collection(PortalCollection.Name)]
public sealed class EmbeddedClusterTests : IAsyncLifetime
{
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), $"ferry-embedded-test-{Guid.NewGuid():N}");
    private EmbeddedCluster? _embedded;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SecondStart_ReusesClusterPortAndPassword()
    {
        var first = await StartAsync();
        var port = first.Cluster.Port;
        await first.StopAsync(Token);

        var second = await StartAsync();

        Assert.Equal(port, second.Cluster.Port);
        Assert.Equal(Path.Combine(_dataRoot, "cluster"), second.Cluster.DataDirectory);
        var passwordFile = Path.Combine(_dataRoot, "postgres-password");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
        Assert.Equal(second.Cluster.SuperuserPassword, (await File.ReadAllTextAsync(passwordFile, Token)).Trim());
        await using var connection = new NpgsqlConnection(second.Cluster.ConnectionString());
        await connection.OpenAsync(Token);
    }

    [Fact]
    public async Task ControlDatabase_BelongsToARoleOfItsOwn_ThatIsNoSuperuser()
    {
        var embedded = await StartAsync();

        var control = new NpgsqlConnectionStringBuilder(embedded.ControlConnectionString);
        Assert.Equal("ferry_portal", control.Username);
        Assert.NotEqual(embedded.Cluster.SuperuserPassword, control.Password);
        var passwordFile = Path.Combine(_dataRoot, "control-password");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
        Assert.Equal(control.Password, (await File.ReadAllTextAsync(passwordFile, Token)).Trim());
        await using var connection = new NpgsqlConnection(embedded.ControlConnectionString);
        await connection.OpenAsync(Token);
        Assert.Equal("ferry_portal|false|false|false|ferry_portal", await TextAsync(connection,
            "SELECT rolname || '|' || rolsuper || '|' || rolcreatedb || '|' || rolcreaterole || '|' || "
            + "(SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) FROM pg_roles WHERE rolname = current_user"));
        await using var createDatabase = new NpgsqlCommand("CREATE DATABASE not_allowed", connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => createDatabase.ExecuteNonQueryAsync(Token));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task ControlDatabase_OfTheSuperuser_FromAnOlderFerry_IsHandedToTheControlRole()
    {
        var first = await StartAsync();
        // What an older Ferry left: the database, schemas, tables, sequences and functions all the superuser's.
        await ExecuteAsync(first, "postgres", "ALTER DATABASE ferry OWNER TO postgres");
        await ExecuteAsync(first, "ferry",
            "CREATE SCHEMA hangfire AUTHORIZATION postgres; CREATE TABLE hangfire.job (id bigserial PRIMARY KEY, name text); "
            + "CREATE SEQUENCE hangfire.counter; CREATE FUNCTION hangfire.answer() RETURNS int LANGUAGE sql AS 'SELECT 42'");
        await first.StopAsync(Token);

        var second = await StartAsync();

        Assert.Equal(0L, await ScalarAsync(second, "ferry",
            "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = 'hangfire' AND nspowner <> 'ferry_portal'::regrole) "
            + "+ (SELECT count(*) FROM pg_class WHERE relnamespace = 'hangfire'::regnamespace AND relowner <> 'ferry_portal'::regrole) "
            + "+ (SELECT count(*) FROM pg_proc WHERE pronamespace = 'hangfire'::regnamespace AND proowner <> 'ferry_portal'::regrole) "
            + "+ (SELECT count(*) FROM pg_database WHERE datname = 'ferry' AND datdba <> 'ferry_portal'::regrole)"));
        await using var connection = new NpgsqlConnection(second.ControlConnectionString);
        await connection.OpenAsync(Token);
        Assert.Equal("42", await TextAsync(connection, "INSERT INTO hangfire.job (name) VALUES ('x'); SELECT hangfire.answer()::text"));
    }

    [Fact]
    public async Task Demo_CreatesTheSeedDatabasesOnce()
    {
        var embedded = await StartAsync();

        await embedded.CreateDemoOnceAsync(users: 20, Token);
        await ExecuteAsync(embedded, "digoal_01", "INSERT INTO digoal_01.user_session (userid) VALUES (-1)");
        await embedded.CreateDemoOnceAsync(users: 20, Token);

        Assert.Equal(21L, await ScalarAsync(embedded, "digoal_01", "SELECT count(*) FROM digoal_01.user_session"));
        Assert.Equal(4L, await ScalarAsync(embedded, "digoal_01_replica",
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'digoal_01'"));
        Assert.Equal(2L, await ScalarAsync(embedded, "digoal_02", "SELECT count(*) FROM pg_tables WHERE schemaname = 'digoal_02'"));
        var credentials = Path.Combine(_dataRoot, "demo-credentials");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.Cluster.RemoveAsync(CancellationToken.None);
        }
        if (Directory.Exists(_dataRoot))
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
    }

    private async Task<EmbeddedCluster> StartAsync()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["FERRY_DATA"] = _dataRoot })
            .Build();
        _embedded = await EmbeddedCluster.StartAsync(configuration, NullLogger.Instance, Token);
        return _embedded;
    }

    private static async Task ExecuteAsync(EmbeddedCluster embedded, string database, string sql)
    {
        await using var connection = new NpgsqlConnection(embedded.Cluster.ConnectionString(database));
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Token);
    }

    private static async Task<string?> TextAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (string?)await command.ExecuteScalarAsync(Token);
    }

    private static async Task<long> ScalarAsync(EmbeddedCluster embedded, string database, string sql)
    {
        await using var connection = new NpgsqlConnection(embedded.Cluster.ConnectionString(database));
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Token), System.Globalization.CultureInfo.InvariantCulture);
    }
}
