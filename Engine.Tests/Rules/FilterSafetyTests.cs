using System.Diagnostics;
using Ferry.Engine.Rules;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Rules;

/// <summary>
/// Row filters that could act on the database are refused, checked as a role WITHOUT the TEMP privilege (so nothing can
/// be proven by creating a temporary table), and nothing they call runs during the check. Legal filters still pass.
/// </summary>
public abstract class FilterSafetyTests(ClusterFixture clusters) : IAsyncLifetime
{
    private FilterDatabase _database = null!;

    protected abstract int Major { get; }

    public async ValueTask InitializeAsync() =>
        _database = await FilterDatabase.GetAsync(clusters, Major, "filter_safety", TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string, string> Unsafe => new()
    {
        { "pg_sleep(3) IS NOT NULL", "pg_sleep(double precision), which is not immutable (volatile)" },
        { "pg_terminate_backend({victim}) AND userid > 0", "pg_terminate_backend" },
        { "dblink_exec('dbname={database}', 'DROP TABLE app.victim') IS NOT NULL", "dblink_exec(text,text), which is not immutable" },
        { "other.side_effect(userid)", "other.side_effect(integer), which is not immutable (volatile)" },
        // Overloads: the text one is volatile, the integer one (which passes below) immutable.
        { "other.pick(engname) = 1", "other.pick(text), which is not immutable" },
        { "userid OPERATOR(other.===) 1", "the operator other.===(integer,integer)" },
        { "(userid::other.flag).v = 1", "other.to_flag(integer), which is not immutable" },
        { "userid::other.checked > 0", "in a check of the domain other.checked" },
        { "other.defaulted(userid)", "in a default argument of other.defaulted(integer,bigint)" },
        { "mood::text = 'a'", "enum_out(anyenum)" },
        { "born < current_date", "CURRENT_DATE" },
        { "now() > born", "now(), which is not immutable (stable)" },
        { "userid IN (SELECT x FROM other.log)", "subquery" },
        { "ctid = '(0,1)'", "system column" },
        { "nextval('other.seq') > 0", "nextval(regclass), which is not immutable" },
    };

    [Theory]
    [MemberData(nameof(Unsafe))]
    public async Task Validate_RefusesWhatCouldActOrChange_WithoutTemp_AndRunsNothing(string filter, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var victim = await _database.Role.OpenConnectionAsync(ct);
        var pid = victim.ProcessID.ToString(System.Globalization.CultureInfo.InvariantCulture);
        filter = filter.Replace("{victim}", pid, StringComparison.Ordinal)
            .Replace("{database}", _database.Name, StringComparison.Ordinal);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TableRuleException>(() => TableRuleValidator.ValidateAsync(
            _database.Role, _database.Role, new TableRuleRequest(new TableName("app", "users"), Filter: filter), ct));

        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"The check took {clock.Elapsed}: it ran the filter.");
        await using (var alive = new NpgsqlCommand("SELECT 1", victim))
        {
            Assert.Equal(1, await alive.ExecuteScalarAsync(ct));
        }
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM other.log"));
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE oid = 'app.victim'::regclass"));
    }

    public static TheoryData<string> Safe =>
    [
        "userid <= 1000",
        "region = 'EU'",
        "lower(engname) = 'ann' AND region IN ('EU', 'US')",
        "userid::bigint % 2 = 0",
        "CASE WHEN region = 'EU' THEN userid < 10 ELSE coalesce(note, '') <> '' END",
        "other.pick(userid) = 1",
        "other.double_it(userid) > 3",
        "mood = 'a' AND born > '2000-01-01'",
        "(userid, region) > (1, 'A') AND greatest(userid, 5) = 5 AND nullif(region, 'x') IS NOT NULL",
        "userid = ANY ('{1,2,3}'::int[]) OR engname ~ '^a' OR region IS DISTINCT FROM 'EU'",
        "(ARRAY[userid, 2])[1] > 0 AND (region COLLATE \"C\") > 'A' AND (userid > 0) IS TRUE",
    ];

    [Theory]
    [MemberData(nameof(Safe))]
    public async Task Validate_AcceptsImmutableFilters_WithoutTemp(string filter)
    {
        var rule = await TableRuleValidator.ValidateAsync(_database.Role, _database.Role,
            new TableRuleRequest(new TableName("app", "users"), Filter: filter), TestContext.Current.CancellationToken);
        Assert.Equal(filter, rule.Filter);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class FilterSafetyOn13Tests(ClusterFixture clusters) : FilterSafetyTests(clusters)
{
    protected override int Major => 13;
}

[Collection(ClusterCollection.Name)]
public sealed class FilterSafetyOn18Tests(ClusterFixture clusters) : FilterSafetyTests(clusters)
{
    protected override int Major => 18;
}
