using Ferry.Engine.Control;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Sql;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// A source and a target database of their own (on the given majors, schema set up by the test's SQL), registered as nodes
/// of an engine with its control database, a set on the source and the target subscribed: what an operator sets up in the
/// portal, with the loops running.
/// </summary>
internal sealed class ServiceScenario : IAsyncDisposable
{
    public static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);

    private ServiceScenario(
        ReplicationTestEnvironment engine, NpgsqlDataSource source, NpgsqlDataSource target, int setId, int subscriptionId)
    {
        SetId = setId;
        Engine = engine;
        Source = source;
        Target = target;
        SubscriptionId = subscriptionId;
    }

    public ReplicationTestEnvironment Engine { get; }

    public NpgsqlDataSource Source { get; }

    public NpgsqlDataSource Target { get; }

    public int SubscriptionId { get; }

    public int SetId { get; }

    public TableRuleService Service => Engine.Services.GetRequiredService<TableRuleService>();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<ServiceScenario> StartAsync(
        ClusterFixture clusters, string name, int sourceMajor, int targetMajor, string sourceSql, string targetSql,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var sourceConnection = await clusters.CreateDatabaseAsync(sourceMajor, $"{name}_src{sourceMajor}");
        var targetConnection = await clusters.CreateDatabaseAsync(targetMajor, $"{name}_tgt{targetMajor}");
        await using (var source = NpgsqlDataSource.Create(sourceConnection))
        await using (var target = NpgsqlDataSource.Create(targetConnection))
        {
            await ExecuteAsync(source, sourceSql);
            await ExecuteAsync(target, targetSql);
        }
        return await StartOnAsync(clusters, $"{name}_{sourceMajor}_{targetMajor}", name, sourceConnection, targetConnection, settings);
    }

    /// <summary>The same over databases made already (the seed scenario's, as their owners).</summary>
    public static async Task<ServiceScenario> StartOnAsync(
        ClusterFixture clusters, string controlName, string name, string sourceConnection, string targetConnection,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var source = NpgsqlDataSource.Create(sourceConnection);
        var target = NpgsqlDataSource.Create(targetConnection);
        var engine = await ReplicationTestEnvironment.StartAsync(
            await clusters.CreateDatabaseAsync(15, $"{controlName}_control"), Ct, settings);
        var set = await engine.Services.GetRequiredService<SetService>()
            .CreateSetAsync(Operator, name, await engine.AddNodeAsync("source", sourceConnection, Ct), Ct);
        var subscription = await engine.Services.GetRequiredService<SubscriptionService>()
            .SubscribeAsync(Operator, set.Id, await engine.AddNodeAsync("target", targetConnection, Ct), Ct);
        return new ServiceScenario(engine, source, target, set.Id, subscription.Id);
    }

    public Task<TableInfo> AddTableAsync(string source, string? target = null, bool addMissingColumns = false) =>
        Service.AddTableAsync(Operator, SubscriptionId, new AddTableRequest(source, target, AddMissingColumns: addMissingColumns), Ct);

    /// <summary>Waits until the table (by its source name) satisfies <paramref name="done"/>; fails with its state otherwise.</summary>
    public Task<TableInfo> WaitTableAsync(string source, Func<TableInfo, bool> done, TimeSpan? timeout = null)
    {
        var quoted = string.Join(".", source.Split('.').Select(Identifiers.Quote));
        return Eventually.WaitAsync(
            async () => (await Engine.Services.GetRequiredService<ReplicationStatusQuery>().GetSubscriptionAsync(Operator, SubscriptionId, Ct))
                .Tables.Single(t => t.Source == quoted),
            done, timeout ?? TimeSpan.FromSeconds(90), t => $"{t.Source} is {t.State}: {t.LastError}");
    }

    public Task<TableInfo> WaitOkAsync(string source) => WaitTableAsync(source, t => t.State == nameof(TableState.Ok));

    /// <summary>Waits until the target's rows equal the source's (ordered hash of the listed columns, computed in SQL).</summary>
    public async Task WaitEqualAsync(string sourceTable, string targetTable, string columns, string orderBy = "id")
    {
        var expected = await HashAsync(Source, sourceTable, columns, orderBy);
        await Eventually.WaitAsync(() => HashAsync(Target, targetTable, columns, orderBy), h => h == expected, TimeSpan.FromSeconds(90),
            h => $"the target's {targetTable} ({h}) never equalled the source's {sourceTable} ({expected})");
    }

    /// <summary>
    /// md5 of the text renderings of the rows (listed columns, ordered by <paramref name="orderBy"/>) and their count, under
    /// the same output settings on both sides.
    /// </summary>
    public static async Task<string> HashAsync(NpgsqlDataSource data, string table, string columns, string orderBy = "id")
    {
        await using var connection = await data.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'; SET LOCAL IntervalStyle = 'postgres'; "
            + "SET LOCAL extra_float_digits = 3; SET LOCAL lc_monetary = 'C'; "
            + $"SELECT md5(coalesce(string_agg(ROW({columns})::text, '|' ORDER BY {orderBy}), '')) || ':' || count(*) FROM {table}",
            connection, transaction);
        return (string)(await command.ExecuteScalarAsync(Ct))!;
    }

    public static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Ct);
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await Source.DisposeAsync();
        await Target.DisposeAsync();
    }
}
