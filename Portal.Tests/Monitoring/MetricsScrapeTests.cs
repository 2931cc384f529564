using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Target;
using Ferry.Portal.Tests.Replication;
using Ferry.Portal.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

using static Ferry.Portal.Tests.Replication.SeedReplication;

namespace Ferry.Portal.Tests.Monitoring;

/// <summary>
/// <c>/metrics</c> scraped while the seed workload replicates inside the portal: Ferry's series (events applied and pending,
/// lag, batch sizes and durations, table states, ticks, the queue's size, node health) with plausible values, beside Npgsql's,
/// ASP.NET Core's and the runtime's; 401 without the scrape token, 200 with it; <c>/healthz</c> lists the nodes.
/// </summary>
[Collection(ReplicationPortalCollection.Name)]
public sealed class MetricsScrapeTests(ITestOutputHelper output)
{
    private const string ScrapeToken = "scrape-token-for-the-metrics-test";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_DuringAWorkload_HaveTheNamedSeries_WithPlausibleValues()
    {
        await using var postgres = await TestPostgres.StartAsync();
        var superuser = postgres.Cluster.ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(superuser, "metrics_src", "digoal_01", "pw1", 1000, Token);
        var targetCs = await SeedScenario.CreateTargetAsync(superuser, "metrics_t", "digoal_02", "pw2", allTables: false, Token);
        var keys = Path.Combine(Path.GetTempPath(), $"ferry-metrics-keys-{Guid.NewGuid():N}");
        await using var source = NpgsqlDataSource.Create(sourceCs);
        using var stop = new CancellationTokenSource();
        Task<long>? workload = null;
        try
        {
            await using var basePortal = new ReplicationPortalFactory(postgres.ConnectionStringFor("ferry_metrics_control"), keys);
            await using var portal = basePortal.WithWebHostBuilder(b => b
                .UseSetting("Monitoring:ScrapeToken", ScrapeToken)
                .UseSetting("Monitoring:RefreshInterval", "00:00:01"));
            var services = portal.Services;
            var sets = services.GetRequiredService<SetService>();
            var replication = services.GetRequiredService<SubscriptionService>();
            var tables = services.GetRequiredService<TableRuleService>();
            var set = await sets.CreateSetAsync(Operator, "metrics", await AddNodeAsync(services, "source", sourceCs), Token);
            var subscription = await replication.SubscribeAsync(Operator, set.Id, await AddNodeAsync(services, "target", targetCs), Token);
            foreach (var table in SeedScenario.KeyedTables)
            {
                await tables.AddTableAsync(Operator, subscription.Id,
                    new AddTableRequest($"digoal_01.{table}", $"digoal_02.{table}"), Token);
            }
            await services.GetRequiredService<NodeHealthProbe>().ProbeAllAsync(Token);
            workload = WorkloadAsync(source, 7, stop.Token);
            var status = services.GetRequiredService<ReplicationStatusQuery>();
            await WaitAsync(status, s => s.Tables.Count == 2 && s.Tables.All(t => t.State == nameof(TableState.Ok)) && s.LastTick is not null,
                "both tables ok");

            using var anonymous = portal.CreateClient();
            using (var refused = await anonymous.GetAsync("/metrics", Token))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Contains("Bearer", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }
            using var scraper = portal.CreateClient();
            scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeToken);
            using (var wrong = portal.CreateClient())
            {
                wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeToken + "x");
                Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/metrics", Token)).StatusCode);
            }

            (string, string)[] labels = [("set", "metrics"), ("subscription", subscription.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("target", "target")];
            var first = await ScrapeUntilAsync(scraper, m => m.Values("ferry_apply_events_total", labels).Count == 1
                && m.Values("ferry_subscription_lag_seconds", labels).Count == 1 && m.Values("ferry_queue_ticks_total", ("set", "metrics")).Count == 1);
            var clock = Stopwatch.StartNew();
            PrometheusText second;
            do
            {
                await Task.Delay(1500, Token);
                second = await ScrapeAsync(scraper);
            }
            while (second.Single("ferry_apply_events_total", labels) <= first.Single("ferry_apply_events_total", labels)
                   && clock.Elapsed < TimeSpan.FromSeconds(60));
            output.WriteLine(string.Join("\n", second.Text.Split('\n').Where(l => l.StartsWith("ferry_", StringComparison.Ordinal))));

            // Counters of the apply loop grow with the workload.
            var applied = second.Single("ferry_apply_events_total", labels);
            Assert.True(applied > first.Single("ferry_apply_events_total", labels), "events applied did not grow during the workload");
            var batches = second.Single("ferry_apply_batch_size_count", labels);
            Assert.InRange(batches, 1, applied);
            // Batches hold the events applied but those replayed at the end of a copy.
            Assert.InRange(second.Single("ferry_apply_batch_size_sum", labels), 1, applied);
            Assert.InRange(second.Single("ferry_apply_batch_duration_seconds_count", labels), batches, batches);
            Assert.InRange(second.Single("ferry_apply_batch_duration_seconds_sum", labels) / batches, 0.0001, 10);
            Assert.True(second.Values("ferry_apply_batch_duration_seconds_bucket", labels).Count > 5, "no histogram buckets");
            // Figures read from the root and the control database.
            Assert.InRange(second.Single("ferry_subscription_lag_seconds", labels), 0, 60);
            Assert.InRange(second.Single("ferry_subscription_events_pending", labels), 0, 100_000);
            Assert.Equal(1, second.Single("ferry_subscription_state", [.. labels, ("state", "active")]));
            Assert.Equal(0, second.Single("ferry_subscription_state", [.. labels, ("state", "error")]));
            Assert.Equal(2, second.Single("ferry_subscription_tables", [.. labels, ("state", "ok")]));
            Assert.True(second.Single("ferry_queue_ticks_total", ("set", "metrics")) > 1);
            // The queue's count comes from the snapshot, which may be older than the last batch: the next snapshots catch up.
            var queued = await ScrapeUntilAsync(scraper, m => m.Single("ferry_queue_events_total", ("set", "metrics")) >= applied);
            Assert.True(queued.Single("ferry_queue_events_total", ("set", "metrics")) >= applied);
            Assert.True(second.Single("ferry_queue_size_bytes", ("set", "metrics")) > 8192);
            Assert.InRange(second.Single("ferry_queue_tick_age_seconds", ("set", "metrics")), 0, 30);
            Assert.InRange(second.Single("ferry_queue_oldest_unconsumed_tick_age_seconds", ("set", "metrics")), 0, 60);
            Assert.Equal(1, second.Single("ferry_node_up", ("node", "source")));
            Assert.Equal(1, second.Single("ferry_node_up", ("node", "target")));
            Assert.InRange(second.Single("ferry_monitoring_snapshot_age_seconds"), 0, 30);
            // Npgsql's, ASP.NET Core's and the runtime's own meters beside them.
            Assert.True(second.Text.Contains("db_client_", StringComparison.Ordinal), "no Npgsql series");
            Assert.True(second.Has("http_server_request_duration_seconds_count"), "no ASP.NET Core series");
            Assert.True(second.Text.Contains("dotnet_gc_", StringComparison.Ordinal) || second.Text.Contains("process_runtime_dotnet_", StringComparison.Ordinal),
                "no runtime series");

            // Every series the Grafana dashboard queries is in this scrape, but those that exist only while a copy runs or
            // after an error. The whole scrape goes to TestResults/metrics beside the test assembly.
            Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "metrics"));
            await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TestResults", "metrics", "scrape.txt"), second.Text, Token);
            var dashboard = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "grafana", "ferry.json"), Token);
            string[] onlySometimes = ["ferry_copy_rows_copied", "ferry_copy_rows_estimated", "ferry_errors_total"];
            // The series named in the queries ("expr"), not the labels of "by (...)" and "{...}".
            var queried = Regex.Matches(dashboard, @"""expr"": ""((?:[^""\\]|\\.)*)""")
                .Select(m => Regex.Replace(m.Groups[1].Value, @"by \([^)]*\)|\{[^}]*\}", ""))
                .SelectMany(expr => Regex.Matches(expr, @"\b((?:ferry|db_client|http_server|dotnet)_[a-z_]+)").Select(m => m.Groups[1].Value))
                .Distinct().ToList();
            Assert.True(queried.Count > 15, $"only {queried.Count} series found in the dashboard");
            var unknown = queried.Except(onlySometimes).Where(name => !second.Has(name)).ToList();
            Assert.True(unknown.Count == 0, $"docs/grafana/ferry.json queries series the portal does not export: {string.Join(", ", unknown)}");

            // /healthz: one entry per node, its status and nothing else.
            using var health = await anonymous.GetAsync("/healthz", Token);
            using var json = System.Text.Json.JsonDocument.Parse(await health.Content.ReadAsStringAsync(Token));
            var nodes = json.RootElement.GetProperty("nodes");
            Assert.Equal("Healthy", nodes.GetProperty("source").GetString());
            Assert.Equal("Healthy", nodes.GetProperty("target").GetString());
        }
        finally
        {
            await stop.CancelAsync();
            if (workload is not null)
            {
                await workload;
            }
            if (Directory.Exists(keys))
            {
                Directory.Delete(keys, recursive: true);
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portal.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("No Portal.sln above " + AppContext.BaseDirectory);
    }

    private static async Task<PrometheusText> ScrapeAsync(HttpClient scraper)
    {
        using var response = await scraper.GetAsync("/metrics", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        return new PrometheusText(await response.Content.ReadAsStringAsync(Token));
    }

    private static async Task<PrometheusText> ScrapeUntilAsync(HttpClient scraper, Func<PrometheusText, bool> ready)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var metrics = await ScrapeAsync(scraper);
            if (ready(metrics))
            {
                return metrics;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the series did not appear within 60 s:\n"
                + string.Join("\n", metrics.Text.Split('\n').Where(l => l.StartsWith("ferry_", StringComparison.Ordinal))));
            await Task.Delay(500, Token);
        }
    }
}
