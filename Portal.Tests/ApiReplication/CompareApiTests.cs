using System.Net;
using System.Net.Http.Json;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Compare;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Portal.Tests.ApiReplication;

/// <summary>
/// <c>/api/.../compare</c> and <c>/api/compare-reports</c> over the seed scenario: an Operator starts a compare (202, the
/// report Running), the job runs it, the report, its rows, the CSV and the table's "differs" come back; a Viewer reads but
/// cannot start one. The fixture's Hangfire server is off: the test runs the loops and the job's body itself.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class CompareApiTests(PortalFixture fixture, SeedNodes seed) : IClassFixture<SeedNodes>, IAsyncLifetime
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => new(seed.ForgetReplicationAsync());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Operator_ComparesATable_AndEveryoneReadsTheReport_RowsAndCsv()
    {
        using var op = await ApiClient.AsAsync(fixture, "operator");
        using var viewer = await ApiClient.AsAsync(fixture, "viewer");
        var (setId, id) = await seed.SubscribeAsync("api_compare");
        using var added = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_info", target = "digoal_02.user_info", filter = "userid <= 50" }, Token);
        var tableId = (await ApiClient.JsonAsync(added, HttpStatusCode.Created)).GetProperty("id").GetInt32();
        using var early = await op.PostAsync($"/api/subscriptions/{id}/tables/{tableId}/compare", null, Token);
        Assert.Contains("compared once its copy has caught up", await ApiClient.AssertProblemAsync(early, HttpStatusCode.Conflict),
            StringComparison.Ordinal);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var services = fixture.Portal.Services;
        var loops = new[]
        {
            Task.Run(() => services.GetRequiredService<SetTickerRunner>().RunAsync(setId, stop.Token), Token),
            Task.Run(() => services.GetRequiredService<SubscriptionRunner>().RunAsync(id, stop.Token), Token),
        };
        try
        {
            await TableAsync(op, id, tableId, t => t.GetProperty("state").GetString() == "Ok");
            await using (var target = new NpgsqlConnection(seed.TargetConnectionString))
            {
                await target.OpenAsync(Token);
                await using var drift = new NpgsqlCommand(
                    "DELETE FROM digoal_02.user_info WHERE userid = 7; UPDATE digoal_02.user_info SET email = '' WHERE userid = 9", target);
                await drift.ExecuteNonQueryAsync(Token);
            }

            using var byViewer = await viewer.PostAsync($"/api/subscriptions/{id}/tables/{tableId}/compare", null, Token);
            Assert.Contains("Operator", await ApiClient.AssertProblemAsync(byViewer, HttpStatusCode.Forbidden), StringComparison.Ordinal);
            using var started = await op.PostAsync($"/api/subscriptions/{id}/tables/{tableId}/compare", null, Token);
            var report = await ApiClient.JsonAsync(started, HttpStatusCode.Accepted);
            var reportId = report.GetProperty("id").GetInt32();
            Assert.Equal("Running", report.GetProperty("state").GetString());
            Assert.Equal($"/api/compare-reports/{reportId}", started.Headers.Location!.OriginalString);
            await services.GetRequiredService<CompareService>().RunCompareAsync(reportId, Token);

            using var done = await viewer.GetAsync($"/api/compare-reports/{reportId}", Token);
            var final = await ApiClient.JsonAsync(done);
            Assert.Equal(("Done", 1L, 0L, 1L, true), (final.GetProperty("state").GetString(), final.GetProperty("missing").GetInt64(),
                final.GetProperty("extra").GetInt64(), final.GetProperty("different").GetInt64(), final.GetProperty("differs").GetBoolean()));
            using var rows = await viewer.GetAsync($"/api/compare-reports/{reportId}/differences?page=0&pageSize=10", Token);
            Assert.Equal(["Different 9", "Missing 7"], (await ApiClient.JsonAsync(rows)).EnumerateArray()
                .Select(r => $"{r.GetProperty("kind").GetString()} {r.GetProperty("key")[0].GetString()}").Order(StringComparer.Ordinal));
            using var csv = await viewer.GetAsync($"/api/compare-reports/{reportId}/differences.csv", Token);
            Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
            var lines = (await csv.Content.ReadAsStringAsync(Token)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("\"kind\",\"key.userid\",\"columns\",\"source.userid\"", lines[0], StringComparison.Ordinal);
            Assert.Contains(lines, l => l.StartsWith("\"Different\",\"9\",\"email\"", StringComparison.Ordinal) && l.Contains(",\"\",", StringComparison.Ordinal));
            Assert.Equal(3, lines.Length);
            using var history = await viewer.GetAsync($"/api/subscriptions/{id}/compare-reports?tableId={tableId}", Token);
            Assert.Equal(reportId, (await ApiClient.JsonAsync(history))[0].GetProperty("id").GetInt32());
            await TableAsync(viewer, id, tableId, t => t.GetProperty("differs").ValueKind == System.Text.Json.JsonValueKind.True);

            using var viewerPreview = await viewer.GetAsync($"/api/compare-reports/{reportId}/repair", Token);
            await ApiClient.AssertProblemAsync(viewerPreview, HttpStatusCode.Forbidden);
            using var preview = await op.GetAsync($"/api/compare-reports/{reportId}/repair", Token);
            var plan = await ApiClient.JsonAsync(preview);
            Assert.Equal((2L, 0L), (plan.GetProperty("writes").GetInt64(), plan.GetProperty("deletes").GetInt64()));
            using var repairing = await op.PostAsync($"/api/compare-reports/{reportId}/repair", null, Token);
            var repair = await ApiClient.JsonAsync(repairing, HttpStatusCode.Accepted);
            var repairId = repair.GetProperty("id").GetInt32();
            Assert.Equal(("Running", reportId), (repair.GetProperty("state").GetString(), repair.GetProperty("repairOf").GetInt32()));
            Assert.Equal($"/api/compare-reports/{repairId}", repairing.Headers.Location!.OriginalString);
            using var twice = await op.PostAsync($"/api/compare-reports/{reportId}/repair", null, Token);
            Assert.Contains("is running", await ApiClient.AssertProblemAsync(twice, HttpStatusCode.Conflict), StringComparison.Ordinal);
            await services.GetRequiredService<RepairService>().RunRepairAsync(repairId, Token);
            using var repaired = await viewer.GetAsync($"/api/compare-reports/{repairId}", Token);
            var outcome = await ApiClient.JsonAsync(repaired);
            Assert.Equal(("Done", 2L, 0L, false), (outcome.GetProperty("state").GetString(), outcome.GetProperty("repairWritten").GetInt64(),
                outcome.GetProperty("repairDeleted").GetInt64(), outcome.GetProperty("differs").GetBoolean()));

            await using (var target = new NpgsqlConnection(seed.TargetConnectionString))
            {
                await target.OpenAsync(Token);
                await using var drift = new NpgsqlCommand("UPDATE digoal_02.user_info SET email = 'stale' WHERE userid = 11", target);
                await drift.ExecuteNonQueryAsync(Token);
            }
            using var byViewerResync = await viewer.PostAsync($"/api/subscriptions/{id}/tables/{tableId}/resync-in-place", null, Token);
            await ApiClient.AssertProblemAsync(byViewerResync, HttpStatusCode.Forbidden);
            using var inPlace = await op.PostAsync($"/api/subscriptions/{id}/tables/{tableId}/resync-in-place", null, Token);
            var first = await ApiClient.JsonAsync(inPlace, HttpStatusCode.Accepted);
            var resynced = await services.GetRequiredService<InPlaceResync>().RunAsync(first.GetProperty("id").GetInt32(), Token);
            Assert.Equal((1, 1L, 0L, false), (resynced.Rounds, resynced.Written, resynced.Deleted, resynced.Report.Differs));

            using var all = await op.PostAsync($"/api/subscriptions/{id}/compare", null, Token);
            var reports = await ApiClient.JsonAsync(all, HttpStatusCode.Accepted);
            Assert.Equal(1, reports.GetArrayLength());
            using var again = await op.PostAsync($"/api/subscriptions/{id}/tables/{tableId}/compare", null, Token);
            Assert.Contains("is running", await ApiClient.AssertProblemAsync(again, HttpStatusCode.Conflict), StringComparison.Ordinal);
            await services.GetRequiredService<CompareService>().RunCompareAsync(reports[0].GetProperty("id").GetInt32(), Token);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var loop in loops)
            {
                try
                {
                    await loop;
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheCompareEndpoints()
    {
        using var client = ApiClient.Anonymous(fixture);
        using var response = await client.GetAsync("/openapi/v1.json", Token);
        var paths = (await ApiClient.JsonAsync(response)).GetProperty("paths");

        foreach (var path in new[]
                 {
                     "/api/subscriptions/{id}/compare", "/api/subscriptions/{id}/tables/{tableId}/compare", "/api/subscriptions/{id}/compare-reports",
                     "/api/compare-reports/{reportId}", "/api/compare-reports/{reportId}/differences", "/api/compare-reports/{reportId}/differences.csv",
                     "/api/compare-reports/{reportId}/repair", "/api/subscriptions/{id}/tables/{tableId}/resync-in-place",
                 })
        {
            Assert.True(paths.TryGetProperty(path, out _) || paths.TryGetProperty(path + "/", out _), $"{path} is not in the OpenAPI document");
        }
    }

    /// <summary>Waits (at most a minute) until the API shows the table as <paramref name="done"/> says.</summary>
    private static async Task TableAsync(HttpClient client, int subscriptionId, int tableId, Func<System.Text.Json.JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync($"/api/subscriptions/{subscriptionId}/tables", Token);
            var table = (await ApiClient.JsonAsync(response)).EnumerateArray().Single(t => t.GetProperty("id").GetInt32() == tableId);
            last = table.ToString();
            if (done(table))
            {
                return;
            }
            await Task.Delay(200, Token);
        }
        Assert.Fail($"Table {tableId} stayed {last} for a minute.");
    }
}
