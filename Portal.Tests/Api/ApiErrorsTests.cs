using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ferry.Engine.Control;
using Ferry.Portal.Tests.Nodes;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Portal.Tests.Api;

/// <summary>
/// What the API answers when a request cannot be read, pages out of range, or loses a race for a unique name: problem
/// details that name the field, never a bare 400 or a 500.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ApiErrorsTests(PortalFixture fixture, NodeCluster cluster) : IClassFixture<NodeCluster>, IAsyncLifetime
{
    private const string RaceNode = "errors_race_root";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => CleanUpAsync();

    public ValueTask DisposeAsync() => CleanUpAsync();

    [Theory]
    [InlineData("{\"name\": \"x\", \"port\": }", "port", "not valid JSON")]
    [InlineData("{\"name\": \"x\", \"port\": \"5432x\"}", "port", "'port' has the wrong type: send a whole number")]
    [InlineData("{\"name\": \"x\", \"sslMode\": \"Sometimes\"}", "sslMode", "send one of Disable, Allow, Prefer, Require")]
    [InlineData("{\"name\": [1]}", "name", "'name' has the wrong type: send a string")]
    [InlineData("", "body", "The body is empty")]
    [InlineData("not json", "body", "not valid JSON")]
    public async Task Body_ThatCannotBeRead_GetsProblemDetails_NamingTheField(string body, string field, string expected)
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await admin.PostAsync("/api/nodes", content, Token);

        var (detail, errors) = await BadRequestAsync(response);
        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Assert.Equal(field, Assert.Single(errors));
    }

    [Theory]
    [InlineData("/api/audit?page=-1&pageSize=-5", "pageSize")]
    [InlineData("/api/audit?page=-1&pageSize=5", "page")]
    [InlineData("/api/audit?skip=-1", "skip")]
    [InlineData("/api/audit?take=0", "take")]
    [InlineData("/api/audit?take=abc", "take")]
    [InlineData("/api/audit?page=99999999999", "page")]
    [InlineData("/api/audit?page=2147483647&pageSize=500", "page")]
    [InlineData("/api/audit?page=1&skip=5", "skip")]
    [InlineData("/api/subscriptions/1/tables?page=2147483647&pageSize=1000", "page")]
    [InlineData("/api/subscriptions/1/tables?page=0&pageSize=0", "pageSize")]
    [InlineData("/api/subscriptions/1/tables?page=-3", "page")]
    public async Task Paging_OutOfRangeOrOverflowing_IsRefused_NamingTheParameter(string path, string parameter)
    {
        using var viewer = await ApiClient.AsAsync(fixture, "viewer");

        using var response = await viewer.GetAsync(path, Token);

        var (detail, errors) = await BadRequestAsync(response);
        Assert.Contains(parameter, detail, StringComparison.Ordinal);
        Assert.Equal(parameter, Assert.Single(errors));
    }

    [Fact]
    public async Task Paging_InRange_StillReads()
    {
        using var viewer = await ApiClient.AsAsync(fixture, "viewer");

        using var pages = await viewer.GetAsync("/api/audit?page=0&pageSize=5", Token);
        using var skipTake = await viewer.GetAsync("/api/audit?skip=0&take=5", Token);

        Assert.Equal(HttpStatusCode.OK, pages.StatusCode);
        Assert.Equal(HttpStatusCode.OK, skipTake.StatusCode);
    }

    [Fact]
    public async Task TwoCreatesOfOneName_AtTheSameMoment_GiveOneSetAnd409()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        var rootId = await CreateRootNodeAsync(admin);
        using (var install = await admin.PostAsync($"/api/nodes/{rootId}/install", null, Token))
        {
            Assert.Equal(HttpStatusCode.OK, install.StatusCode);
        }
        // Hold back every insert into the sets table (reads go on), so both requests pass the service's own name check
        // before either inserts: the unique index then refuses the second.
        await using var control = new NpgsqlConnection(fixture.Postgres.ConnectionStringFor("ferry_portal_tests"));
        await control.OpenAsync(Token);
        await using var gate = await control.BeginTransactionAsync(Token);
        await using (var lockSets = new NpgsqlCommand("LOCK TABLE ferry.replication_sets IN EXCLUSIVE MODE", control, gate))
        {
            await lockSets.ExecuteNonQueryAsync(Token);
        }

        var first = admin.PostAsJsonAsync("/api/sets", new { name = "errors_race", rootNodeId = rootId }, Token);
        var second = admin.PostAsJsonAsync("/api/sets", new { name = "errors_race", rootNodeId = rootId }, Token);
        await Eventually.TrueAsync(async () =>
        {
            if (first.IsCompleted || second.IsCompleted)
            {
                Assert.Fail("A create ended before the insert: " + await EndedAsync(first, second));
            }
            await using var waiting = new NpgsqlCommand(
                "SELECT count(*) FROM pg_locks WHERE relation = 'ferry.replication_sets'::regclass AND NOT granted", control, gate);
            return (long)(await waiting.ExecuteScalarAsync(Token))! == 2;
        }, TimeSpan.FromSeconds(30), "both creates waiting on the insert");
        await gate.CommitAsync(Token);
        using var a = await first;
        using var b = await second;

        var statuses = new[] { a.StatusCode, b.StatusCode }.Order().ToArray();
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], statuses);
        var loser = a.StatusCode == HttpStatusCode.Conflict ? a : b;
        Assert.Contains("at the same moment", await ApiClient.AssertProblemAsync(loser, HttpStatusCode.Conflict), StringComparison.Ordinal);
    }

    private async Task<int> CreateRootNodeAsync(HttpClient admin)
    {
        await using (var connection = new NpgsqlConnection(cluster.Cluster.ConnectionString()))
        {
            await connection.OpenAsync(Token);
            await using var drop = new NpgsqlCommand("DROP DATABASE IF EXISTS errors_race WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync(Token);
            await using var create = new NpgsqlCommand("CREATE DATABASE errors_race", connection);
            await create.ExecuteNonQueryAsync(Token);
        }
        using var response = await admin.PostAsJsonAsync("/api/nodes", new
        {
            name = RaceNode, host = "127.0.0.1", port = cluster.Port, database = "errors_race", userName = "postgres", password = NodeCluster.Password,
        }, Token);
        return (await ApiClient.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetInt32();
    }

    private static async Task<string> EndedAsync(Task<HttpResponseMessage> first, Task<HttpResponseMessage> second)
    {
        var ended = first.IsCompleted ? await first : await second;
        return $"{(int)ended.StatusCode} {await ended.Content.ReadAsStringAsync(Token)}";
    }

    /// <summary>Asserts a 400 problem and returns its detail and the names under <c>errors</c>.</summary>
    private static async Task<(string Detail, IReadOnlyList<string> Errors)> BadRequestAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        return (problem.GetProperty("detail").GetString() ?? "", [.. problem.GetProperty("errors").EnumerateObject().Select(p => p.Name)]);
    }

    private async ValueTask CleanUpAsync()
    {
        await using var context = await fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync();
        await context.Sets.Where(s => s.RootNode!.Name == RaceNode).ExecuteDeleteAsync();
        await context.Nodes.Where(n => n.Name == RaceNode).ExecuteDeleteAsync();
    }
}
