using Ferry.Engine.Control;
using Ferry.Engine.Replication.Compare;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Replication;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Engine.Tests.Compare;

/// <summary>
/// Repair writes rows in the apply's exact encoding (docs/decisions/ADR-014-exact-row-encoding.md,
/// docs/decisions/ADR-018-compare-portal-and-resync-in-place.md), PostgreSQL 13 → 18: rows with NaN and infinity, an array
/// with NULL and one with bounds, JSON <c>null</c> beside SQL NULL, an interval and an empty string, planted missing and changed
/// on the target, come back exactly (the compare after the repair finds nothing, and the target reads as the source does).
/// With <c>row_to_json</c> the JSON null became SQL NULL and the bounds were lost.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RepairEncodingTests(ClusterFixture clusters)
{
    private const string Table = """
        CREATE TABLE {0}.odd (id int PRIMARY KEY, f float8, r real, a int[], bounded int[], j json, jb jsonb, i interval, note text);
        """;

    private const string Rows = """
        INSERT INTO digoal_01.odd VALUES
          (1, 'NaN', '-Infinity', '{1,NULL,3}', '[0:2]={7,8,9}', 'null', 'null', '1 day 02:03:04', ''),
          (2, 'Infinity', 1.5, '{NULL}', '{}', NULL, NULL, NULL, NULL),
          (3, 0.1, 'NaN', NULL, '[5:5]={1}', '{"k": null}', '[null, {"a": [1, null]}]', '-1 mons', 'x');
        """;

    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);

    [Fact]
    public async Task Repair_WritesNaNArraysWithNullAndJsonNullExactly()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await CompareScenario.StartAsync(clusters, "cmp_encoding", ct);
        await CompareScenario.ExecuteAsync(scenario.Source, string.Format(System.Globalization.CultureInfo.InvariantCulture, Table, "digoal_01"));
        await CompareScenario.ExecuteAsync(scenario.Target, string.Format(System.Globalization.CultureInfo.InvariantCulture, Table, "digoal_02"));
        var table = await scenario.Engine.Services.GetRequiredService<TableRuleService>()
            .AddTableAsync(Operator, scenario.SubscriptionId, new AddTableRequest("digoal_01.odd", "digoal_02.odd"), ct);
        var status = scenario.Engine.Services.GetRequiredService<ReplicationStatusQuery>();
        await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, scenario.SubscriptionId, ct),
            s => s.Tables.Single(t => t.Id == table.Id).State == nameof(TableState.Ok), TimeSpan.FromSeconds(60), s => s.Tables.Single(t => t.Id == table.Id).State);
        await CompareScenario.ExecuteAsync(scenario.Source, Rows);
        var expected = await TextAsync(scenario.Source, "digoal_01");
        await Eventually.WaitAsync(() => TextAsync(scenario.Target, "digoal_02"), t => t == expected, TimeSpan.FromSeconds(30), t => t);

        await CompareScenario.ExecuteAsync(scenario.Target, """
            DELETE FROM digoal_02.odd WHERE id = 1;
            UPDATE digoal_02.odd SET j = '{}', jb = '{}', f = 0, a = '{}', bounded = '{1}', i = '0', note = 'changed' WHERE id = 3;
            UPDATE digoal_02.odd SET j = 'null', note = '' WHERE id = 2;
            """);
        var compares = scenario.Engine.Services.GetRequiredService<CompareService>();
        var report = await compares.CompareTableAsync(Operator, scenario.SubscriptionId, table.Id, ct);
        Assert.Equal(("Done", 1L, 0L, 2L), (report.State, report.Missing, report.Extra, report.Different));

        var outcome = await scenario.Engine.Services.GetRequiredService<RepairService>().RepairAsync(Operator, report.Id, ct);

        Assert.Equal((3L, 0L), (outcome.Repair.Written, outcome.Repair.Deleted));
        Assert.Equal(("Done", false), (outcome.Compare.State, outcome.Compare.Differs));
        Assert.Equal(expected, await TextAsync(scenario.Target, "digoal_02"));
        await using var check = scenario.Target.CreateCommand(
            "SELECT j IS NOT NULL AND j::text = 'null', jb = 'null'::jsonb, array_lower(bounded, 1), a[2] IS NULL, f = 'NaN' FROM digoal_02.odd WHERE id = 1");
        await using var reader = await check.ExecuteReaderAsync(ct);
        Assert.True(await reader.ReadAsync(ct));
        Assert.Equal((true, true, 0, true, true), (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetInt32(2), reader.GetBoolean(3), reader.GetBoolean(4)));
    }

    /// <summary>Every row's text, with JSON null and SQL NULL told apart (a json column's text is null only for SQL NULL).</summary>
    private static async Task<string> TextAsync(Npgsql.NpgsqlDataSource data, string schema)
    {
        await using var session = await data.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand(
            "SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; "
            + $"SELECT coalesce(string_agg(concat_ws('|', id, f, r, a, bounded, coalesce(j::text, '<NULL>'), coalesce(jb::text, '<NULL>'), i, "
            + $"coalesce(note, '<NULL>')), E'\\n' ORDER BY id), '') FROM {schema}.odd", session);
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
