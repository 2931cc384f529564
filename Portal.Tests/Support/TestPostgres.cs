using Ferry.Engine.LocalServer;
using Ferry.Engine.Sql;
using Npgsql;

namespace Ferry.Portal.Tests.Support;

/// <summary>A throwaway PostgreSQL cluster (fast settings, under /tmp, removed on dispose) and fresh databases in it.</summary>
public sealed class TestPostgres : IAsyncDisposable
{
    private TestPostgres(LocalCluster cluster) => Cluster = cluster;

    public LocalCluster Cluster { get; }

    public static async Task<TestPostgres> StartAsync() =>
        new(await LocalCluster.StartAsync(new LocalClusterOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), $"ferry-portal-test-{Guid.NewGuid():N}"),
            Temporary = true,
            Unsafe = true,
        }));

    /// <summary>Drops a database of that name if an earlier run left one, and returns a connection string to a new, empty one.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(Cluster.ConnectionString());
        await connection.OpenAsync();
        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Identifiers.Quote(name)} WITH (FORCE)", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {Identifiers.Quote(name)}", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        return Cluster.ConnectionString(name);
    }

    /// <summary>A connection string to a database that does not exist yet (the portal creates it).</summary>
    public string ConnectionStringFor(string database) => Cluster.ConnectionString(database);

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}
