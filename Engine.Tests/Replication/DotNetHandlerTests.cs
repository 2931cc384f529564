using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using static Ferry.Engine.Tests.Replication.ServiceScenario;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// The sample .NET handler (samples/AuditHandler, built with the tests) loaded from a folder as the portal loads
/// <c>Handlers:Folder</c> at startup (docs/handlers.md): listed for the picker, its option checked, and every change of a
/// table under a workload written by it into the target's audit table, exactly once, on the real queue (18 -> 13).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DotNetHandlerTests(ClusterFixture clusters)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SampleAuditHandler_IsLoadedFromTheFolder_ShownInThePicker_AndWritesEveryChange()
    {
        var folder = Directory.CreateTempSubdirectory("ferry-handlers-").FullName;
        try
        {
            File.Copy(SampleAssembly(), Path.Combine(folder, "Ferry.Samples.AuditHandler.dll"));
            await File.WriteAllTextAsync(Path.Combine(folder, "notes.dll"), "not an assembly", Ct);

            Assert.Equal(["audit"], HandlerAssemblies.Load(folder, NullLogger.Instance));
            var listed = TableHandlerService.List().Single(h => h.Name == "audit");
            Assert.True(listed.Loaded);
            Assert.Contains("audit table", listed.Description, StringComparison.Ordinal);
            Assert.Equal("table", listed.Options.Single().Name);
            Assert.StartsWith("Ferry.Samples.AuditHandler 1.0.0", HandlerRegistry.OriginOf(HandlerRegistry.Kind("audit")!), StringComparison.Ordinal);

            const string table = "CREATE SCHEMA app; CREATE TABLE app.orders (id int PRIMARY KEY, note text);";
            await using var scenario = await ServiceScenario.StartAsync(clusters, "handler_net", 18, 13,
                table + "INSERT INTO app.orders SELECT g, 'n' || g FROM generate_series(1, 10) g;",
                table + "CREATE TABLE app.changes (event_id bigint, operation text, source_table text, new_row jsonb, old_key jsonb);");
            var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => scenario.Service.AddTableAsync(
                Operator, scenario.SubscriptionId, new AddTableRequest("app.orders", Handler: "audit"), Ct));
            Assert.Contains("the handler audit needs the option(s) 'table'", refused.Message, StringComparison.Ordinal);
            await scenario.Service.AddTableAsync(Operator, scenario.SubscriptionId, new AddTableRequest("app.orders", Handler: "audit",
                HandlerOptions: new Dictionary<string, string> { ["table"] = "app.changes" }), Ct);
            await scenario.WaitOkAsync("app.orders");

            for (var i = 0; i < 10; i++)
            {
                await ExecuteAsync(scenario.Source,
                    $"INSERT INTO app.orders VALUES ({100 + i}, 'w{i}'); UPDATE app.orders SET note = 'u{i}' WHERE id = {i + 1}; "
                    + $"DELETE FROM app.orders WHERE id = {100 + i} AND {i} % 2 = 0");
            }
            await Eventually.WaitAsync(() => ScalarAsync<long>(scenario.Target, "SELECT count(*) FROM app.changes"), n => n == 25,
                TimeSpan.FromSeconds(90), n => $"{n} of 25 changes reached the audit table");
            Assert.Equal(25L, await ScalarAsync<long>(scenario.Target, "SELECT count(DISTINCT event_id) FROM app.changes"));
            Assert.Equal("DELETE:5|INSERT:10|UPDATE:10", await ScalarAsync<string>(scenario.Target,
                "SELECT string_agg(operation || ':' || n, '|' ORDER BY operation) FROM (SELECT operation, count(*) n FROM app.changes GROUP BY 1) c"));
            Assert.Equal("{\"id\": 1, \"note\": \"u0\"} {\"id\": 1}", await ScalarAsync<string>(scenario.Target,
                "SELECT new_row::text || ' ' || old_key::text FROM app.changes WHERE operation = 'UPDATE' ORDER BY event_id LIMIT 1"));
            Assert.Equal("app.orders", await ScalarAsync<string>(scenario.Target, "SELECT DISTINCT source_table FROM app.changes"));
        }
        finally
        {
            HandlerRegistry.Unregister("audit");
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The sample handler as the test build made it (samples/AuditHandler/bin/&lt;configuration&gt;/net10.0).</summary>
    private static string SampleAssembly()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Portal.sln")))
        {
            root = root.Parent;
        }
        Assert.NotNull(root);
        return Directory.GetFiles(Path.Combine(root.FullName, "samples", "AuditHandler", "bin"), "Ferry.Samples.AuditHandler.dll",
                SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).First();
    }
}
