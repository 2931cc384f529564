using Ferry.Engine.LocalServer;
using Npgsql;

namespace Ferry.Engine.Tests.Support;

/// <summary>
/// One cluster per major, started on first use and shared by the tests of a collection. Tests make their own
/// databases (<see cref="CreateDatabaseAsync"/>) with names derived from the test, so they never see each other's data.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly Dictionary<int, Task<LocalCluster>> _clusters = [];
    private readonly Lock _gate = new();

    public Task<LocalCluster> GetAsync(int major)
    {
        lock (_gate)
        {
            if (!_clusters.TryGetValue(major, out var cluster))
            {
                cluster = TestCluster.StartAsync(major);
                _clusters[major] = cluster;
            }
            return cluster;
        }
    }

    /// <summary>Creates a fresh database (dropping one of the same name left by an earlier run) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(int major, string name)
    {
        var cluster = await GetAsync(major);
        await using var connection = new NpgsqlConnection(cluster.ConnectionString());
        await connection.OpenAsync();
        var quoted = "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        return cluster.ConnectionString(name);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in _clusters.Values)
        {
            if (cluster.IsCompletedSuccessfully)
            {
                await cluster.Result.DisposeAsync();
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "clusters";
}
