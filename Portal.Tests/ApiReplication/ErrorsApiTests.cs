using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ferry.Engine.Replication;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Portal.Tests.ApiReplication;

/// <summary>
/// <c>/api/subscriptions/{id}/errors</c> and <c>/api/errors/{groupId}</c> over the seed scenario (docs/decisions/ADR-017-error-history.md):
/// a constraint planted on the target stops the table; a Viewer reads the group and its occurrences without the row, an
/// Operator sees the key; a Viewer may not skip, a skip without a reason is refused, one with a reason leaves out only that
/// row and the table needs a compare; an ended group refuses more actions. The test runs the loops itself.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ErrorsApiTests(PortalFixture fixture, SeedNodes seed) : IClassFixture<SeedNodes>, IAsyncLifetime
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => new(seed.ForgetReplicationAsync());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task PlantedConstraint_ViewerReadsWithoutRows_OperatorSkipsWithAReason_AndTheTableNeedsACompare()
    {
        using var op = await ApiClient.AsAsync(fixture, "operator");
        using var viewer = await ApiClient.AsAsync(fixture, "viewer");
        var (setId, id) = await seed.SubscribeAsync("api_errors");
        using var added = await op.PostAsJsonAsync($"/api/subscriptions/{id}/tables",
            new { source = "digoal_01.user_info", target = "digoal_02.user_info" }, Token);
        var tableId = (await ApiClient.JsonAsync(added, HttpStatusCode.Created)).GetProperty("id").GetInt32();

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
            await ExecuteAsync(seed.TargetConnectionString, "ALTER TABLE digoal_02.user_info ADD CONSTRAINT api_planted CHECK (engname <> 'api_bad')");
            await ExecuteAsync(seed.SourceConnectionString, """
                INSERT INTO digoal_01.user_info (userid, engname) VALUES (9001, 'ok'), (9002, 'api_bad'), (9003, 'ok')
                """);
            var group = await GroupAsync(viewer, id, g => g.GetProperty("status").GetString() == "Failing");
            var groupId = group.GetProperty("id").GetInt64();
            Assert.Equal("23514", group.GetProperty("sqlState").GetString());
            Assert.Equal(1, group.GetProperty("count").GetInt64());

            using var seen = await viewer.GetAsync($"/api/errors/{groupId}/occurrences", Token);
            var byViewer = (await ApiClient.JsonAsync(seen))[0];
            Assert.Equal(JsonValueKind.Null, byViewer.GetProperty("key").ValueKind);
            Assert.Equal(JsonValueKind.Null, byViewer.GetProperty("row").ValueKind);
            using var read = await op.GetAsync($"/api/errors/{groupId}/occurrences", Token);
            var byOperator = (await ApiClient.JsonAsync(read))[0];
            Assert.Equal("{\"userid\":\"9002\"}", byOperator.GetProperty("key").GetString());
            Assert.Equal("I", byOperator.GetProperty("operation").GetString());

            using var viewerSkip = await viewer.PostAsJsonAsync($"/api/errors/{groupId}/skip", new { reason = "no" }, Token);
            await ApiClient.AssertProblemAsync(viewerSkip, HttpStatusCode.Forbidden);
            using var noReason = await op.PostAsJsonAsync($"/api/errors/{groupId}/skip", new { reason = "" }, Token);
            Assert.Contains("Say why", await ApiClient.AssertProblemAsync(noReason, HttpStatusCode.BadRequest), StringComparison.Ordinal);
            using var skipped = await op.PostAsJsonAsync($"/api/errors/{groupId}/skip", new { reason = "planted by the test" }, Token);
            Assert.Equal("Skipped", (await ApiClient.JsonAsync(skipped)).GetProperty("status").GetString());
            await TableAsync(viewer, id, tableId, t => t.GetProperty("state").GetString() == "Ok" && t.GetProperty("needsCompare").GetBoolean());
            Assert.Equal(2L, await CountAsync(seed.TargetConnectionString, "SELECT count(*) FROM digoal_02.user_info WHERE userid IN (9001, 9003)"));
            Assert.Equal(0L, await CountAsync(seed.TargetConnectionString, "SELECT count(*) FROM digoal_02.user_info WHERE userid = 9002"));

            using var again = await op.PostAsync($"/api/errors/{groupId}/retry", null, Token);
            Assert.Contains("has ended", await ApiClient.AssertProblemAsync(again, HttpStatusCode.Conflict), StringComparison.Ordinal);
            using var missing = await viewer.GetAsync("/api/errors/999999999", Token);
            await ApiClient.AssertProblemAsync(missing, HttpStatusCode.NotFound);
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
            await ExecuteAsync(seed.TargetConnectionString, "ALTER TABLE digoal_02.user_info DROP CONSTRAINT IF EXISTS api_planted");
            await ExecuteAsync(seed.SourceConnectionString, "DELETE FROM digoal_01.user_info WHERE userid BETWEEN 9001 AND 9003");
        }
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheErrorEndpoints()
    {
        using var client = ApiClient.Anonymous(fixture);
        using var response = await client.GetAsync("/openapi/v1.json", Token);
        var paths = (await ApiClient.JsonAsync(response)).GetProperty("paths");
        foreach (var path in new[]
                 {
                     "/api/subscriptions/{id}/errors", "/api/errors/{groupId}", "/api/errors/{groupId}/occurrences", "/api/errors/{groupId}/retry",
                     "/api/errors/{groupId}/skip", "/api/errors/{groupId}/resync",
                 })
        {
            Assert.True(paths.TryGetProperty(path, out _) || paths.TryGetProperty(path + "/", out _), $"{path} is not in the OpenAPI document");
        }
    }

    private static async Task<JsonElement> GroupAsync(HttpClient client, int subscriptionId, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync($"/api/subscriptions/{subscriptionId}/errors?open=true", Token);
            var groups = await ApiClient.JsonAsync(response);
            last = groups.ToString();
            if (groups.GetArrayLength() == 1 && done(groups[0]))
            {
                return groups[0];
            }
            await Task.Delay(200, Token);
        }
        Assert.Fail($"The error groups stayed {last} for a minute.");
        return default;
    }

    private static async Task TableAsync(HttpClient client, int subscriptionId, int tableId, Func<JsonElement, bool> done)
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

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Token);
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(Token))!;
    }
}
