using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ferry.Engine.Control;
using Ferry.Engine.Queue;
using Ferry.Portal.Tests.Api;
using Ferry.Portal.Tests.ApiReplication;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Portal.Tests.Monitoring;

/// <summary>
/// <c>GET /api/sets/{id}/source-load</c> on the seed source: events written and their rate, the event tables and rotation, the
/// oldest unconsumed tick, and a consumer that stands still (the fixture's portal runs no loops, so its subscription is active
/// but applies nothing) holding back rotation, with a warning and its fix, which changes when the subscription is paused.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class SourceLoadApiTests(PortalFixture fixture, SeedNodes nodes) : IClassFixture<SeedNodes>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SourceLoad_ShowsTheQueue_AndWarns_WhenAConsumerHoldsBackRotation()
    {
        var (setId, subscriptionId) = await nodes.SubscribeAsync("source_load");
        using var op = await ApiClient.AsAsync(fixture, "operator");
        using (var added = await op.PostAsJsonAsync($"/api/subscriptions/{subscriptionId}/tables",
                   new { source = "digoal_01.user_session", target = "digoal_02.user_session" }, Token))
        {
            await ApiClient.JsonAsync(added, HttpStatusCode.Created);
        }
        string queue;
        var contexts = fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using (var context = await contexts.CreateDbContextAsync(Token))
        {
            queue = (await context.Sets.SingleAsync(s => s.Id == setId, Token)).QueueName;
        }
        await using var source = NpgsqlDataSource.Create(nodes.SourceConnectionString);
        var admin = new QueueAdmin(source);
        // 150 events in event table 0, a tick after them, then two switches (tables 1 and 2 are empty, so each goes through):
        // table 0 is next to rotate and holds events the consumer (still at its first tick) has not finished.
        await ExecuteAsync(source, "UPDATE digoal_01.user_session SET login_count = login_count + 1 WHERE userid <= 150");
        await admin.TickAsync(queue, Token);
        await admin.ConfigureAsync(queue, new QueueSettings(RotationPeriod: TimeSpan.FromSeconds(1)), Token);
        Assert.True(await ScalarAsync<bool>(source, $"SELECT ferry.rotate_tables('{queue}', true)"));
        Assert.True(await ScalarAsync<bool>(source, $"SELECT ferry.rotate_tables('{queue}', true)"));
        await admin.TickAsync(queue, Token);
        using var viewer = await ApiClient.AsAsync(fixture, "viewer");

        // Rotation is due one second after the last switch; the consumer then holds it back.
        var load = await WaitForAsync(viewer, setId, l => l.GetProperty("rotationDue").GetBoolean(), "rotation due");
        Assert.Equal("source_load", load.GetProperty("set").GetString());
        Assert.Equal(nodes.SourceName, load.GetProperty("root").GetString());
        Assert.True(load.GetProperty("eventsWritten").GetInt64() >= 150);
        Assert.True(load.GetProperty("eventTableBytes").GetInt64() > 0);
        Assert.Equal(1, load.GetProperty("capturedTables").GetInt32());
        Assert.Equal(3.0, load.GetProperty("boundSeconds").GetDouble());
        Assert.True(load.GetProperty("oldestUnconsumedTickAgeSeconds").GetDouble() > 0, "every tick is consumed, says the answer");
        var tables = load.GetProperty("eventTables").EnumerateArray().ToList();
        Assert.Equal(3, tables.Count);
        Assert.True(tables[2].GetProperty("current").GetBoolean());
        Assert.True(tables[0].GetProperty("nextToRotate").GetBoolean());
        Assert.True(tables[0].GetProperty("bytes").GetInt64() > tables[1].GetProperty("bytes").GetInt64(), "table 0 holds the events");
        var consumer = load.GetProperty("consumers").EnumerateArray().Single();
        Assert.Equal(subscriptionId, consumer.GetProperty("subscriptionId").GetInt32());
        Assert.Equal("Active", consumer.GetProperty("state").GetString());
        Assert.True(consumer.GetProperty("holdsBackCleanup").GetBoolean());
        Assert.True(consumer.GetProperty("pendingEvents").GetInt64() >= 150);
        var warning = load.GetProperty("warnings").EnumerateArray().Single();
        Assert.Equal(subscriptionId, warning.GetProperty("subscriptionId").GetInt32());
        Assert.Contains("is active but has not finished a batch", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("grow", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        // The maintenance round cannot rotate: the queue keeps its tables.
        Assert.False(await ScalarAsync<bool>(source, $"SELECT ferry.rotate_tables('{queue}')"));

        // Paused, it says so, and how to end it.
        using (var paused = await op.PostAsync($"/api/subscriptions/{subscriptionId}/pause", null, Token))
        {
            await ApiClient.JsonAsync(paused);
        }
        load = await GetAsync(viewer, setId);
        warning = load.GetProperty("warnings").EnumerateArray().Single();
        Assert.Contains("is paused since", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("Resume the subscription, or drop it", warning.GetProperty("fix").GetString(), StringComparison.Ordinal);

        // Events written per second, from reads some seconds apart, while events are written.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await ExecuteAsync(source, "UPDATE digoal_01.user_session SET login_count = login_count + 1 WHERE userid <= 50");
            load = await GetAsync(viewer, setId);
            if (load.GetProperty("eventsPerSecond").ValueKind == JsonValueKind.Number && load.GetProperty("eventsPerSecond").GetDouble() > 0)
            {
                break;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"no rate after 30 s: {load}");
            await Task.Delay(500, Token);
        }

        using var all = await viewer.GetAsync("/api/status/source-load", Token);
        Assert.Contains((await ApiClient.JsonAsync(all)).EnumerateArray(), l => l.GetProperty("setId").GetInt32() == setId);
        using var missing = await viewer.GetAsync($"/api/sets/{setId + 1000}/source-load", Token);
        Assert.Contains("no set", await ApiClient.AssertProblemAsync(missing, HttpStatusCode.NotFound), StringComparison.Ordinal);
        using var anonymous = ApiClient.Anonymous(fixture);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/sets/{setId}/source-load", Token)).StatusCode);
        await nodes.ForgetReplicationAsync();
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, int setId)
    {
        using var response = await client.GetAsync($"/api/sets/{setId}/source-load", Token);
        return await ApiClient.JsonAsync(response);
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient client, int setId, Func<JsonElement, bool> done, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var load = await GetAsync(client, setId);
            if (done(load))
            {
                return load;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"not {what} within 20 s: {load}");
            await Task.Delay(200, Token);
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Token);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Token))!;
    }
}
