using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Replication;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Engine.Tests.Compare;

/// <summary>
/// A running subscription for compare tests: seed source on PostgreSQL 13 (2000 users), target on 18 with schema
/// digoal_02, <c>digoal_01.user_info</c> → <c>digoal_02.user_info</c> with the filter <c>userid &lt;= 1000</c>, copied and ok.
/// </summary>
internal sealed class CompareScenario : IAsyncDisposable
{
    public const string Filter = "userid <= 1000";
    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);

    private CompareScenario(ReplicationTestEnvironment engine, NpgsqlDataSource source, NpgsqlDataSource target)
    {
        Engine = engine;
        Source = source;
        Target = target;
    }

    public ReplicationTestEnvironment Engine { get; }

    public NpgsqlDataSource Source { get; }

    public NpgsqlDataSource Target { get; }

    public required string Queue { get; init; }

    public required string Consumer { get; init; }

    public required int SubscriptionId { get; init; }

    public required int TableId { get; init; }

    public required TableRule Rule { get; init; }

    public static async Task<CompareScenario> StartAsync(ClusterFixture clusters, string name, CancellationToken ct)
    {
        var sourceCs = await SeedScenario.CreateSourceAsync((await clusters.GetAsync(13)).ConnectionString(), name + "_src", "digoal_01",
            "pw1", 2000, ct);
        var targetCs = await SeedScenario.CreateTargetAsync((await clusters.GetAsync(18)).ConnectionString(), name + "_t", "digoal_02",
            "pw2", allTables: false, ct);
        var engine = await ReplicationTestEnvironment.StartAsync(await clusters.CreateDatabaseAsync(15, name + "_control"), ct);
        var set = await engine.Services.GetRequiredService<SetService>()
            .CreateSetAsync(Operator, name, await engine.AddNodeAsync("source", sourceCs, ct), ct);
        var subscription = await engine.Services.GetRequiredService<SubscriptionService>()
            .SubscribeAsync(Operator, set.Id, await engine.AddNodeAsync("target", targetCs, ct), ct);
        var table = await engine.Services.GetRequiredService<TableRuleService>()
            .AddTableAsync(Operator, subscription.Id, new AddTableRequest("digoal_01.user_info", "digoal_02.user_info", Filter), ct);
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();
        await Eventually.WaitAsync(() => status.GetStatusAsync(Operator, ct),
            all => all.All(s => s.Tables.All(t => t.State == nameof(TableState.Ok))), TimeSpan.FromSeconds(60),
            all => string.Join(", ", all.SelectMany(s => s.Tables).Select(t => $"{t.Source}: {t.State} {t.LastError}")));
        var source = NpgsqlDataSource.Create(sourceCs);
        var target = NpgsqlDataSource.Create(targetCs);
        var rule = await TableRuleValidator.ValidateAsync(source, target,
            new TableRuleRequest(new TableName("digoal_01", "user_info"), new TableName("digoal_02", "user_info"), Filter), ct);
        return new CompareScenario(engine, source, target)
        {
            Queue = set.QueueName, Consumer = subscription.ConsumerName, SubscriptionId = subscription.Id, TableId = table.Id, Rule = rule,
        };
    }

    /// <summary>
    /// Writes user_info on the source until stopped, never touching users 1..500: updates of 501..1900 (inside and outside the
    /// filter), inserts and deletes of new users above 3000.
    /// </summary>
    /// <returns>The number of writes.</returns>
    public async Task<long> WorkloadAsync(CancellationToken stop)
    {
        var random = new Random(7);
        long writes = 0;
        await using var connection = await Source.OpenConnectionAsync(CancellationToken.None);
        while (!stop.IsCancellationRequested)
        {
            var id = random.Next(501, 1901);
            var fresh = 3000 + random.Next(0, 500);
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("UPDATE digoal_01.user_info SET engname = md5(random()::text), mod_time = clock_timestamp() WHERE userid = $1")
                    {
                        Parameters = { new NpgsqlParameter<int> { TypedValue = id } },
                    },
                    new NpgsqlBatchCommand("INSERT INTO digoal_01.user_info (userid, engname) VALUES ($1, 'new') ON CONFLICT (userid) DO NOTHING")
                    {
                        Parameters = { new NpgsqlParameter<int> { TypedValue = fresh } },
                    },
                    new NpgsqlBatchCommand("DELETE FROM digoal_01.user_info WHERE userid = $1")
                    {
                        Parameters = { new NpgsqlParameter<int> { TypedValue = fresh + 1 } },
                    },
                },
            };
            await batch.ExecuteNonQueryAsync(CancellationToken.None);
            writes++;
            await Task.Delay(1, CancellationToken.None);
        }
        return writes;
    }

    public static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await Source.DisposeAsync();
        await Target.DisposeAsync();
    }
}
