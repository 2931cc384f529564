using System.Runtime.CompilerServices;
using System.Text.Json;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Queue;

/// <summary>
/// Base of the queue tests: every test is a theory over <see cref="TestCluster.Majors"/> and gets a fresh database
/// named after the test and the major, with the ferry schema installed.
/// </summary>
[Collection(ClusterCollection.Name)]
public abstract class QueueTestBase(ClusterFixture clusters) : IAsyncDisposable
{
    private readonly List<NpgsqlDataSource> _dataSources = [];

    public static TheoryData<int> Majors => new(TestCluster.Majors);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected ClusterFixture Clusters => clusters;

    /// <summary>A fresh database for the calling test on <paramref name="major"/>, schema installed unless told otherwise.</summary>
    protected async Task<NpgsqlDataSource> CreateNodeAsync(int major, bool install = true, [CallerMemberName] string test = "")
    {
        var name = $"q{major}_{test}".ToLowerInvariant();
        if (name.Length > 63)
        {
            name = $"q{major}_{Guid.NewGuid():N}";
        }
        var connectionString = await clusters.CreateDatabaseAsync(major, name);
        var dataSource = NpgsqlDataSource.Create(connectionString);
        _dataSources.Add(dataSource);
        if (install)
        {
            await QueueSchema.InstallAsync(dataSource, Ct);
        }
        return dataSource;
    }

    protected static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, params object[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        await command.ExecuteNonQueryAsync(Ct);
    }

    protected static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, params object[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    /// <summary>Reads every batch available to the consumer until none is left, finishing each.</summary>
    protected static async Task<List<(Batch Batch, QueueEvent Event)>> DrainAsync(
        QueueConsumer consumer, BatchReadOptions? options = null)
    {
        var events = new List<(Batch, QueueEvent)>();
        while (await consumer.NextBatchAsync(Ct) is { } batch)
        {
            await foreach (var e in consumer.ReadEventsAsync(batch, options, Ct))
            {
                events.Add((batch, e));
            }
            await consumer.FinishBatchAsync(batch, Ct);
        }
        return events;
    }

    /// <summary>The row of a captured event as a text row (<see cref="EventRow"/>), or its legacy row_to_json object.</summary>
    protected static JsonElement Row(QueueEvent e)
    {
        var names = new EventRow.NamesCache();
        using var json = JsonDocument.Parse(EventRow.ToTextRow(e, ref names).Data!);
        return json.RootElement.Clone();
    }

    /// <summary>An integer column of a captured event's row.</summary>
    protected static long IntOf(QueueEvent e, string column = "id")
    {
        var value = Row(e).GetProperty(column);
        return value.ValueKind == JsonValueKind.String
            ? long.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            : value.GetInt64();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes (then fails).</summary>
    protected static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout} waiting for {what}.");
            }
            await Task.Delay(10, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}
