using System.Net;
using System.Net.Http.Json;
using Ferry.Engine.Control;
using Ferry.Engine.Queue;
using Ferry.Portal.Tests.Nodes;
using Ferry.Portal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Portal.Tests.Api;

[Collection(PortalCollection.Name)]
public sealed class NodesApiTests(PortalFixture fixture, NodeCluster cluster) : IClassFixture<NodeCluster>, IAsyncLifetime
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => RemoveTestNodesAsync();

    public ValueTask DisposeAsync() => RemoveTestNodesAsync();

    [Fact]
    public async Task Admin_CreatesGetsUpdatesAndDeletesANode_AndThePasswordNeverComesBack()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);

        using var created = await admin.PostAsJsonAsync("/api/nodes", Node("api_node"), Token);
        var node = await ApiClient.JsonAsync(created, HttpStatusCode.Created);
        var id = node.GetProperty("id").GetInt32();
        Assert.Equal($"/api/nodes/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal("api_node", node.GetProperty("name").GetString());
        Assert.True(node.GetProperty("hasPassword").GetBoolean());
        Assert.Equal("Prefer", node.GetProperty("sslMode").GetString());
        Assert.DoesNotContain(NodeCluster.Password, node.GetRawText(), StringComparison.Ordinal);

        using var list = await admin.GetAsync("/api/nodes", Token);
        Assert.Contains((await ApiClient.JsonAsync(list)).EnumerateArray(), n => n.GetProperty("id").GetInt32() == id);

        using var updated = await admin.PutAsJsonAsync($"/api/nodes/{id}", Node("api_renamed") with { Password = null }, Token);
        var after = await ApiClient.JsonAsync(updated);
        Assert.Equal("api_renamed", after.GetProperty("name").GetString());
        Assert.True(after.GetProperty("hasPassword").GetBoolean());

        using var check = await admin.PostAsync($"/api/nodes/{id}/check", null, Token);
        Assert.True((await ApiClient.JsonAsync(check)).GetProperty("connected").GetBoolean());

        using var deleted = await admin.DeleteAsync($"/api/nodes/{id}", Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await admin.GetAsync($"/api/nodes/{id}", Token);
        Assert.Contains($"no node with id {id}", await ApiClient.AssertProblemAsync(gone, HttpStatusCode.NotFound), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ShowsServerAndSchemaVersions_AndInstallBringsTheSchemaUpToDate()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        var database = await CreateDatabaseAsync("api_install");
        var id = await CreateAsync(admin, Node("api_install") with { Database = database });

        using var check = await admin.PostAsync($"/api/nodes/{id}/check", null, Token);
        var before = await ApiClient.JsonAsync(check);
        Assert.True(before.GetProperty("connected").GetBoolean());
        Assert.Contains(cluster.Cluster.Installation.Major.ToString(System.Globalization.CultureInfo.InvariantCulture), before.GetProperty("serverVersion").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, before.GetProperty("installedSchemaVersion").GetInt32());
        Assert.Equal(QueueSchema.LatestVersion, before.GetProperty("latestSchemaVersion").GetInt32());
        Assert.True(before.GetProperty("needsInstall").GetBoolean());

        using var install = await admin.PostAsync($"/api/nodes/{id}/install", null, Token);
        var after = await ApiClient.JsonAsync(install);
        Assert.Equal(QueueSchema.LatestVersion, after.GetProperty("installedSchemaVersion").GetInt32());
        Assert.False(after.GetProperty("needsInstall").GetBoolean());
    }

    [Fact]
    public async Task Check_SaysThePasswordIsWrong_AndInstallIsRefused()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        var id = await CreateAsync(admin, Node("api_wrong_password") with { Password = "not-the-password" });

        using var check = await admin.PostAsync($"/api/nodes/{id}/check", null, Token);
        var result = await ApiClient.JsonAsync(check);
        Assert.False(result.GetProperty("connected").GetBoolean());
        Assert.Contains("refused the password for user 'postgres'", result.GetProperty("message").GetString(), StringComparison.Ordinal);

        using var install = await admin.PostAsync($"/api/nodes/{id}/install", null, Token);
        Assert.Contains("refused the password", await ApiClient.AssertProblemAsync(install, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_SaysTheHostIsUnreachable_Quickly()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        var id = await CreateAsync(admin, Node("api_unreachable") with { Port = 1 });

        var started = System.Diagnostics.Stopwatch.StartNew();
        using var check = await admin.PostAsync($"/api/nodes/{id}/check", null, Token);
        var result = await ApiClient.JsonAsync(check);

        Assert.False(result.GetProperty("connected").GetBoolean());
        Assert.Contains("127.0.0.1:1", result.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task Create_IsRefused_WithProblemDetails_ForADuplicateNameAnEmptyHostAndABadPort()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        await CreateAsync(admin, Node("api_duplicate"));

        using var duplicate = await admin.PostAsJsonAsync("/api/nodes", Node("api_duplicate"), Token);
        Assert.Contains("'api_duplicate' already exists", await ApiClient.AssertProblemAsync(duplicate, HttpStatusCode.Conflict), StringComparison.Ordinal);

        using var invalid = await admin.PostAsJsonAsync("/api/nodes", Node("api_invalid") with { Host = " ", Port = 70000 }, Token);
        var detail = await ApiClient.AssertProblemAsync(invalid, HttpStatusCode.BadRequest);
        Assert.Contains("Enter the host name", detail, StringComparison.Ordinal);
        Assert.Contains("Port 70000 is not a TCP port", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_IsRefused_WhileASetUsesTheNode_NamingTheSet()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        var id = await CreateAsync(admin, Node("api_in_use"));
        await using (var context = await Contexts().CreateDbContextAsync(Token))
        {
            context.Sets.Add(new ReplicationSet { Name = "api_set", RootNodeId = id, QueueName = "api_set" });
            await context.SaveChangesAsync(Token);
        }

        using var response = await admin.DeleteAsync($"/api/nodes/{id}", Token);

        var detail = await ApiClient.AssertProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("root of set(s) 'api_set'", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Viewer_Reads_ButMayNotChangeCheckOrInstall()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        var id = await CreateAsync(admin, Node("api_viewer"));
        using var viewer = await ApiClient.AsAsync(fixture, "viewer");

        using var get = await viewer.GetAsync($"/api/nodes/{id}", Token);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        using var create = await viewer.PostAsJsonAsync("/api/nodes", Node("api_by_viewer"), Token);
        Assert.Contains("needs the role Admin", await ApiClient.AssertProblemAsync(create, HttpStatusCode.Forbidden), StringComparison.Ordinal);
        using var update = await viewer.PutAsJsonAsync($"/api/nodes/{id}", Node("api_by_viewer"), Token);
        await ApiClient.AssertProblemAsync(update, HttpStatusCode.Forbidden);
        using var delete = await viewer.DeleteAsync($"/api/nodes/{id}", Token);
        await ApiClient.AssertProblemAsync(delete, HttpStatusCode.Forbidden);
        using var check = await viewer.PostAsync($"/api/nodes/{id}/check", null, Token);
        await ApiClient.AssertProblemAsync(check, HttpStatusCode.Forbidden);
        using var install = await viewer.PostAsync($"/api/nodes/{id}/install", null, Token);
        await ApiClient.AssertProblemAsync(install, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Operator_ChecksANode_ButMayNotInstallOrChangeIt()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        var id = await CreateAsync(admin, Node("api_operator"));
        using var operatorClient = await ApiClient.AsAsync(fixture, "operator");

        using var check = await operatorClient.PostAsync($"/api/nodes/{id}/check", null, Token);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        using var install = await operatorClient.PostAsync($"/api/nodes/{id}/install", null, Token);
        await ApiClient.AssertProblemAsync(install, HttpStatusCode.Forbidden);
        using var create = await operatorClient.PostAsJsonAsync("/api/nodes", Node("api_by_operator"), Token);
        await ApiClient.AssertProblemAsync(create, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Changes_AreAudited_WithoutThePassword()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        var id = await CreateAsync(admin, Node("api_audited"));
        using var updated = await admin.PutAsJsonAsync($"/api/nodes/{id}", Node("api_audited") with { Port = 6543, Password = "Changed-Secret-1" }, Token);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        using var audit = await admin.GetAsync($"/api/audit?entity=Node&action=update&take=10", Token);
        var page = await ApiClient.JsonAsync(audit);
        var entry = page.GetProperty("items").EnumerateArray().First(e => e.GetProperty("entityId").GetString() == id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(PortalFactory.AdminUser, entry.GetProperty("userName").GetString());
        var before = System.Text.Json.JsonDocument.Parse(entry.GetProperty("before").GetString()!).RootElement;
        var after = System.Text.Json.JsonDocument.Parse(entry.GetProperty("after").GetString()!).RootElement;
        Assert.Equal(cluster.Port, before.GetProperty("port").GetInt32());
        Assert.Equal(6543, after.GetProperty("port").GetInt32());
        Assert.True(after.GetProperty("passwordChanged").GetBoolean());
        Assert.DoesNotContain("Changed-Secret-1", page.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(NodeCluster.Password, page.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Portal.Logs.Messages, m => m.Contains("Changed-Secret-1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("n'; drop table x; --")]
    [InlineData("api node")]
    [InlineData("API_NODE")]
    [InlineData("api-node")]
    public async Task Create_IsRefused_ForANameASetCouldNotHave_SayingWhatToUse(string name)
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);

        using var response = await admin.PostAsJsonAsync("/api/nodes", Node(name), Token);

        var detail = await ApiClient.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("is not a valid node name: use 1 to 50 lower-case letters, digits and underscores, starting with a letter", detail,
            StringComparison.Ordinal);
        await using var context = await Contexts().CreateDbContextAsync(Token);
        Assert.False(await context.Nodes.AnyAsync(n => n.Name == name, Token));
    }

    [Fact]
    public async Task Create_SaysAtOnce_WhenTheNodeCannotBeReachedOrRefusesThePassword()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);

        using var reachable = await admin.PostAsJsonAsync("/api/nodes", Node("api_probe_ok"), Token);
        using var wrongPassword = await admin.PostAsJsonAsync("/api/nodes", Node("api_probe_password") with { Password = "wrong" }, Token);
        using var unreachable = await admin.PostAsJsonAsync("/api/nodes", Node("api_probe_port") with { Port = 1 }, Token);

        var ok = await ApiClient.JsonAsync(reachable, HttpStatusCode.Created);
        Assert.True(ok.GetProperty("probe").GetProperty("connected").GetBoolean());
        Assert.Equal("api_probe_ok", ok.GetProperty("name").GetString());
        var refused = await ApiClient.JsonAsync(wrongPassword, HttpStatusCode.Created);
        Assert.False(refused.GetProperty("probe").GetProperty("connected").GetBoolean());
        Assert.Contains("refused the password", refused.GetProperty("probe").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("refused the password", refused.GetProperty("lastProbeError").GetString(), StringComparison.Ordinal);
        var down = await ApiClient.JsonAsync(unreachable, HttpStatusCode.Created);
        Assert.Contains("127.0.0.1:1", down.GetProperty("probe").GetProperty("message").GetString(), StringComparison.Ordinal);

        using var get = await admin.GetAsync($"/api/nodes/{ok.GetProperty("id").GetInt32()}", Token);
        Assert.False((await ApiClient.JsonAsync(get)).TryGetProperty("probe", out _));
    }

    [Fact]
    public async Task Update_ToAnotherServer_WithoutThePassword_IsRefused_AndTheNodeIsUnchanged()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        var id = await CreateAsync(admin, Node("api_moved"));

        using var moved = await admin.PutAsJsonAsync($"/api/nodes/{id}", Node("api_moved") with { Host = "localhost", Password = null }, Token);
        using var otherUser = await admin.PutAsJsonAsync($"/api/nodes/{id}", Node("api_moved") with { UserName = "other", Password = null }, Token);
        using var renamed = await admin.PutAsJsonAsync($"/api/nodes/{id}", Node("api_moved_again") with { Password = null }, Token);

        Assert.Contains("Enter the password again: the host changed", await ApiClient.AssertProblemAsync(moved, HttpStatusCode.BadRequest),
            StringComparison.Ordinal);
        Assert.Contains("the user changed", await ApiClient.AssertProblemAsync(otherUser, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        var after = await ApiClient.JsonAsync(renamed);
        Assert.Equal("127.0.0.1", after.GetProperty("host").GetString());
        Assert.True(after.GetProperty("probe").GetProperty("connected").GetBoolean());
    }

    [Fact]
    public async Task FormTest_OfAnEditedNode_DoesNotSendTheStoredPasswordElsewhere_AndEveryTestIsAudited()
    {
        using var admin = await ApiClient.AsAsync(fixture, PortalFactory.AdminUser);
        var id = await CreateAsync(admin, Node("api_tested"));
        var principal = Principal(PortalFactory.AdminUser, Ferry.Engine.Control.FerryRoles.Admin);
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        var nodes = scope.ServiceProvider.GetRequiredService<Ferry.Engine.Nodes.NodeAdministration>();
        var elsewhere = new Ferry.Engine.Nodes.NodeInput("api_tested", "localhost", cluster.Port, "postgres", "postgres", null);

        var refusal = await Assert.ThrowsAsync<RequestRefusedException>(() => nodes.CheckAsync(principal, elsewhere, id, Token));
        var again = await nodes.CheckAsync(principal, elsewhere with { Password = NodeCluster.Password }, id, Token);
        using var operatorClient = await ApiClient.AsAsync(fixture, "operator");
        using var check = await operatorClient.PostAsync($"/api/nodes/{id}/check", null, Token);

        Assert.Contains("Enter the password again: the host changed", refusal.Message, StringComparison.Ordinal);
        Assert.True(again.Connected);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        using var audit = await admin.GetAsync("/api/audit?entity=Node&action=test-connection&take=50", Token);
        var entries = (await ApiClient.JsonAsync(audit)).GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("entityId").GetString() == id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, entries.Count); // the probe after the create, the form's test, the operator's test
        Assert.Equal(["admin", "admin", "operator"], entries.Select(e => e.GetProperty("userName").GetString()).Order());
        Assert.All(entries, e => Assert.True(System.Text.Json.JsonDocument.Parse(e.GetProperty("after").GetString()!).RootElement
            .GetProperty("connected").GetBoolean()));
        Assert.Contains(entries, e => e.GetProperty("after").GetString()!.Contains("localhost", StringComparison.Ordinal));
        Assert.DoesNotContain(NodeCluster.Password, string.Join("", entries.Select(e => e.GetRawText())), StringComparison.Ordinal);
    }

    private static System.Security.Claims.ClaimsPrincipal Principal(string name, string role) =>
        new(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, name), new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, role)],
            "test"));

    private NodeBody Node(string name) => new(name, "127.0.0.1", cluster.Port, "postgres", "postgres", NodeCluster.Password);

    private static async Task<int> CreateAsync(HttpClient admin, NodeBody node)
    {
        using var response = await admin.PostAsJsonAsync("/api/nodes", node, Token);
        return (await ApiClient.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetInt32();
    }

    private async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new Npgsql.NpgsqlConnection(cluster.Cluster.ConnectionString());
        await connection.OpenAsync(Token);
        await using (var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection))
        {
            await drop.ExecuteNonQueryAsync(Token);
        }
        await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync(Token);
        return name;
    }

    private IDbContextFactory<ControlDbContext> Contexts() =>
        fixture.Portal.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();

    /// <summary>Other tests of the collection expect no node: remove ours (and the sets pointing at them) before and after.</summary>
    private async ValueTask RemoveTestNodesAsync()
    {
        await using var context = await Contexts().CreateDbContextAsync();
        await context.Sets.Where(s => s.RootNode!.Name.StartsWith("api_")).ExecuteDeleteAsync();
        await context.Nodes.Where(n => n.Name.StartsWith("api_")).ExecuteDeleteAsync();
    }

    private sealed record NodeBody(string Name, string Host, int Port, string Database, string UserName, string? Password);
}
