using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sequences;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Npgsql;

namespace Ferry.Portal.Hosting;

/// <summary>The seed scenario's databases as <c>--demo</c> just created them (connection strings as their owners).</summary>
public sealed record DemoDatabases(string Source, string Target1, string Target2);

/// <summary>
/// <c>--demo</c>: when the demo databases are new, the seed scenario is set up in Ferry as a DBA would (nodes
/// <c>source</c>, <c>target1</c>, <c>target2</c>; set <c>seed</c>; both targets subscribed; the two user tables to target 1
/// and, filtered to <c>userid &lt;= 1000</c> and renamed to schema <c>digoal_02</c>, to target 2; the keyless log tables to target 1
/// with the append handler; the sequences to target 1),
/// audited as user <c>demo</c>; and on every start the seed workload runs on the source (<c>Demo:WorkloadPause</c> between
/// calls, 50 ms by default; <c>Demo:Workload=false</c> turns it off) so the dashboard has something to show.
/// </summary>
public static partial class Demo
{
    public static IServiceCollection AddDemo(
        this IServiceCollection services, EmbeddedCluster embedded, DemoDatabases? created, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(embedded);
        ArgumentNullException.ThrowIfNull(configuration);
        // The demo listens on 127.0.0.1 with throwaway data: a Prometheus on this machine scrapes /metrics without a token,
        // unless Monitoring:AllowAnonymousScrape says otherwise.
        services.PostConfigure<Monitoring.ScrapeAccessOptions>(o => o.AllowAnonymousScrape ??= true);
        var workload = configuration.GetValue("Demo:Workload", true);
        var pause = configuration.GetValue("Demo:WorkloadPause", TimeSpan.FromMilliseconds(50));
        services.AddHostedService(provider => new DemoRunner(
            provider, created, workload ? WorkloadConnectionString(embedded) : null, pause,
            provider.GetRequiredService<ILogger<DemoRunner>>()));
        return services;
    }

    /// <summary>The superuser on the demo source, with the seed schema first on the search path (the workload's functions
    /// name their tables unqualified, as the seed document wrote them).</summary>
    private static string WorkloadConnectionString(EmbeddedCluster embedded) =>
        new NpgsqlConnectionStringBuilder(embedded.Cluster.ConnectionString("digoal_01"))
        {
            SearchPath = "digoal_01", ApplicationName = "ferry-demo-workload",
        }.ConnectionString;

    /// <summary>Builds the demo set; each refusal is logged and the rest goes on.</summary>
    public static async Task BuildSetAsync(IServiceProvider services, DemoDatabases demo, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(demo);
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "demo"), new Claim(ClaimTypes.Role, FerryRoles.Admin)], "demo"));
        await using var scope = services.CreateAsyncScope();
        var nodes = scope.ServiceProvider.GetRequiredService<NodeAdministration>();
        var sets = scope.ServiceProvider.GetRequiredService<SetService>();
        var subscriptions = scope.ServiceProvider.GetRequiredService<SubscriptionService>();
        var tableRules = scope.ServiceProvider.GetRequiredService<TableRuleService>();
        var sequenceRules = scope.ServiceProvider.GetRequiredService<SequenceRuleService>();
        var source = await nodes.CreateAsync(user, Input("source", demo.Source), cancellationToken);
        // Each target lets table rules write into its own seed schema only (docs/decisions/ADR-010-target-schemas.md).
        var target1 = await nodes.CreateAsync(user, Input("target1", demo.Target1, "digoal_01"), cancellationToken);
        var target2 = await nodes.CreateAsync(user, Input("target2", demo.Target2, "digoal_02"), cancellationToken);
        var set = await sets.CreateSetAsync(user, "seed", source.Id, cancellationToken);
        var toTarget1 = await subscriptions.SubscribeAsync(user, set.Id, target1.Id, cancellationToken);
        var toTarget2 = await subscriptions.SubscribeAsync(user, set.Id, target2.Id, cancellationToken);
        foreach (var table in SeedScenario.KeyedTables)
        {
            await tableRules.AddTableAsync(user, toTarget1.Id, new AddTableRequest($"digoal_01.{table}"), cancellationToken);
            await tableRules.AddTableAsync(user, toTarget2.Id,
                new AddTableRequest($"digoal_01.{table}", $"digoal_02.{table}", "userid <= 1000"), cancellationToken);
        }
        // The log tables have no key: they are only ever inserted into, so target 1 takes them with the append handler
        // (docs/decisions/ADR-019-handlers.md).
        foreach (var table in SeedScenario.KeylessTables)
        {
            await tableRules.AddTableAsync(user, toTarget1.Id, new AddTableRequest($"digoal_01.{table}", Handler: "append"), cancellationToken);
        }
        foreach (var sequence in SeedScenario.Sequences)
        {
            try
            {
                await sequenceRules.AddSequenceAsync(user, toTarget1.Id, $"digoal_01.{sequence}", null, cancellationToken);
            }
            catch (ReplicationRefusedException e)
            {
                LogDemoStep(logger, $"sequence {sequence} not added: {e.Message}");
            }
        }
        LogDemoStep(logger,
            "set 'seed' with subscriptions to target1 (all rows, the log tables with append) and target2 (userid <= 1000, schema digoal_02)");
    }

    private static NodeInput Input(string name, string connectionString, params string[] targetSchemas)
    {
        var parts = new NpgsqlConnectionStringBuilder(connectionString);
        return new NodeInput(
            name, parts.Host!, parts.Port, parts.Database!, parts.Username!, parts.Password, SslMode.Disable, targetSchemas);
    }

    [LoggerMessage(2020, LogLevel.Information, "Demo: {What}")]
    private static partial void LogDemoStep(ILogger logger, string what);

    [LoggerMessage(2021, LogLevel.Warning, "Demo: the demo set could not be built: {Message}")]
    internal static partial void LogDemoSetFailed(ILogger logger, Exception exception, string message);

    [LoggerMessage(2022, LogLevel.Warning, "Demo: the workload stopped ({Message}); it starts again in 10 s")]
    internal static partial void LogWorkloadFailed(ILogger logger, string message);

    [LoggerMessage(2023, LogLevel.Information, "Demo: the seed workload runs on the source, a call every {Pause}")]
    internal static partial void LogWorkloadStarted(ILogger logger, TimeSpan pause);
}

/// <summary>Builds the demo set once (when the databases are new), then runs the workload until the portal stops.</summary>
internal sealed class DemoRunner(
    IServiceProvider services, DemoDatabases? created, string? workloadConnectionString, TimeSpan pause, ILogger<DemoRunner> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (created is not null)
        {
            try
            {
                await Demo.BuildSetAsync(services, created, logger, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Demo.LogDemoSetFailed(logger, e, e.Message);
            }
        }
        if (workloadConnectionString is null)
        {
            return;
        }
        await using var source = NpgsqlDataSource.Create(workloadConnectionString);
        Demo.LogWorkloadStarted(logger, pause);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SeedScenario.WorkloadAsync(source, "digoal_01", stoppingToken, Environment.TickCount, pause);
            }
            catch (NpgsqlException e)
            {
                Demo.LogWorkloadFailed(logger, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(10), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
