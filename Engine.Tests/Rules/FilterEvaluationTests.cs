using System.Diagnostics;
using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Copy;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Rules;

/// <summary>
/// Wherever a row filter runs (the copy's COPY and the per-event verdicts on the source, the DELETE of a copy on the
/// target), a filter whose IMMUTABLE label lies can neither write on the source nor run longer than the statement timeout.
/// Validation trusts the label, as PostgreSQL does for indexes (docs/decisions/ADR-009-row-filters.md); these are the net under it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FilterEvaluationTests(ClusterFixture clusters) : IAsyncLifetime
{
    private const string Writes = "other.liar_writes(userid)";
    private const string Sleeps = "other.liar_sleeps(userid)";
    private FilterDatabase _source = null!;
    private FilterDatabase _target = null!;

    public async ValueTask InitializeAsync()
    {
        _source = await FilterDatabase.GetAsync(clusters, 18, "filter_eval_source", TestContext.Current.CancellationToken);
        _target = await FilterDatabase.GetAsync(clusters, 18, "filter_eval_target", TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Copy_RunsTheFilterReadOnlyOnTheSource()
    {
        var error = await Assert.ThrowsAnyAsync<PostgresException>(() => CopyAsync("copy_writes", Writes, targetRows: false));

        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, error.SqlState);
        Assert.Equal(0L, await _source.ScalarAsync<long>("SELECT count(*) FROM other.log"));
    }

    [Fact]
    public async Task Copy_StopsAFilterThatSleepsOnTheSource_AtTheStatementTimeout()
    {
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAnyAsync<PostgresException>(() => CopyAsync("copy_sleeps", Sleeps, targetRows: false));

        Assert.Equal(PostgresErrorCodes.QueryCanceled, error.SqlState);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"The copy took {clock.Elapsed}.");
    }

    [Fact]
    public async Task Copy_StopsTheTargetDeleteOfAFilterThatSleeps_AtTheStatementTimeout()
    {
        // The same function sleeps on the target only, so only the DELETE of the target's filtered rows can time out.
        await _source.ExecuteAsync(
            "CREATE OR REPLACE FUNCTION other.slow_on_target(int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true'");
        await _target.ExecuteAsync("""
            CREATE OR REPLACE FUNCTION other.slow_on_target(int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE
                AS $f$ BEGIN PERFORM pg_sleep(60); RETURN true; END $f$
            """);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<PostgresException>(
            () => CopyAsync("copy_delete_sleeps", "other.slow_on_target(userid)", targetRows: true));

        Assert.Equal(PostgresErrorCodes.QueryCanceled, error.SqlState);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"The copy took {clock.Elapsed}.");
        Assert.Equal(20L, await _target.ScalarAsync<long>("SELECT count(*) FROM app.copy_delete_sleeps"));
    }

    [Fact]
    public async Task BatchSource_JudgesEventsReadOnlyOnTheSource()
    {
        var ct = TestContext.Current.CancellationToken;
        var (consumer, table) = await QueueWithEventsAsync("ev_writes");
        await using var feed = new QueueBatchSource(consumer, _source.Role, filterTimeout: TimeSpan.FromSeconds(1));
        var batch = await feed.NextBatchAsync(ct);
        Assert.NotNull(batch);

        var error = await Assert.ThrowsAnyAsync<PostgresException>(async () =>
        {
            await foreach (var _ in feed.ReadEventsAsync(batch, new Dictionary<string, string> { [table] = Writes }, ct))
            {
            }
        });

        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, error.SqlState);
        Assert.Equal(0L, await _source.ScalarAsync<long>("SELECT count(*) FROM other.log"));
    }

    [Fact]
    public async Task BatchSource_StopsAFilterThatSleeps_AtTheStatementTimeout()
    {
        var ct = TestContext.Current.CancellationToken;
        var (consumer, table) = await QueueWithEventsAsync("ev_sleeps");
        await using var feed = new QueueBatchSource(consumer, _source.Role, filterTimeout: TimeSpan.FromSeconds(1));
        var batch = await feed.NextBatchAsync(ct);
        Assert.NotNull(batch);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<PostgresException>(async () =>
        {
            await foreach (var _ in feed.ReadEventsAsync(batch, new Dictionary<string, string> { [table] = Sleeps }, ct))
            {
            }
        });

        Assert.Equal(PostgresErrorCodes.QueryCanceled, error.SqlState);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"Judging took {clock.Elapsed}.");
    }

    [Fact]
    public async Task Consumer_ReadsWithRowFiltersReadOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        var (consumer, table) = await QueueWithEventsAsync("ev_consumer");
        var batch = await consumer.NextBatchAsync(ct);
        Assert.NotNull(batch);

        var error = await Assert.ThrowsAnyAsync<PostgresException>(async () =>
        {
            await foreach (var _ in consumer.ReadEventsWithFiltersAsync(batch, new Dictionary<string, string> { [table] = Writes },
                cancellationToken: ct))
            {
            }
        });

        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, error.SqlState);
        Assert.Equal(0L, await _source.ScalarAsync<long>("SELECT count(*) FROM other.log"));
    }

    [Theory]
    [InlineData("ev_named", "ev_named.userid > 1")]
    [InlineData("ev_quoted", "\"ev_quoted\".userid > 1")]
    public async Task FilterNamingItsTable_MeansTheSame_InEveryVerdict_AndInTheCopyToATargetOfAnotherName(string name, string filter)
    {
        var ct = TestContext.Current.CancellationToken;
        var (consumer, table) = await QueueWithEventsAsync(name);
        await _target.ExecuteAsync($"CREATE TABLE app.{name}_copy (userid int PRIMARY KEY, v int); INSERT INTO app.{name}_copy VALUES (1, 1), (2, 2), (3, 3)");
        var rule = await TableRuleValidator.ValidateAsync(_source.Role, _target.Owner,
            new TableRuleRequest(new TableName("app", name), new TableName("app", name + "_copy"), filter), ct);
        Assert.Equal(table, rule.SourceTable);
        var filters = new Dictionary<string, string> { [table] = filter };
        (int, bool)[] expected = [(1, false), (2, true)];

        await using (var feed = new QueueBatchSource(consumer, _source.Role))
        {
            var batch = await feed.NextBatchAsync(ct);
            Assert.NotNull(batch);
            Assert.Equal(expected, await VerdictsAsync(feed.ReadEventsAsync(batch, filters, ct)));
        }
        var again = await consumer.NextBatchAsync(ct);
        Assert.NotNull(again);
        Assert.Equal(expected, await VerdictsAsync(consumer.ReadEventsWithFiltersAsync(again, filters, cancellationToken: ct)));

        // The copy empties the target's rows inside the filter (a table of another name) and copies the source's.
        var store = new TargetStateStore(_target.Owner, name);
        await store.InstallAsync(ct);
        await new TableCopy(_source.Role, _target.Owner, store, new BulkHandler(), new CopyOptions()).CopyAsync(rule, null, ct);
        Assert.Equal("1:1,2:3", await _target.ScalarAsync<string>(
            $"SELECT string_agg(userid || ':' || v, ',' ORDER BY userid) FROM app.{name}_copy"));
    }

    [Fact]
    public async Task FilterNamingItsSchema_IsRefused_SayingToWriteTheColumnAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        await _source.ExecuteAsync($"CREATE TABLE app.ev_schema (userid int PRIMARY KEY, v int); GRANT SELECT ON app.ev_schema TO {FilterDatabase.RoleName}");
        await _target.ExecuteAsync("CREATE TABLE app.ev_schema (userid int PRIMARY KEY, v int)");

        var error = await Assert.ThrowsAsync<TableRuleException>(() => TableRuleValidator.ValidateAsync(_source.Role, _target.Owner,
            new TableRuleRequest(new TableName("app", "ev_schema"), new TableName("app", "ev_schema"), "app.ev_schema.userid > 1"), ct));

        Assert.Contains("write the column alone (userid), or after the table's name only (\"ev_schema\".userid)", error.Message,
            StringComparison.Ordinal);
    }

    private static async Task<(int, bool)[]> VerdictsAsync(IAsyncEnumerable<ApplyEvent> events)
    {
        var verdicts = new SortedSet<(int, bool)>();
        var names = new Ferry.Engine.Queue.EventRow.NamesCache();
        await foreach (var e in events)
        {
            // The consumer's events carry v5 names and record text; as a text row (docs/decisions/ADR-014-exact-row-encoding.md)
            // each value is its output text.
            using var row = System.Text.Json.JsonDocument.Parse(Ferry.Engine.Queue.EventRow.ToTextRow(e.Event, ref names).Data!);
            var userid = row.RootElement.GetProperty("userid");
            verdicts.Add((userid.ValueKind == System.Text.Json.JsonValueKind.String
                ? int.Parse(userid.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
                : userid.GetInt32(), e.InFilter));
        }
        return [.. verdicts];
    }

    /// <summary>Validates a rule (the lying label passes), then copies app.users into a target table of its own.</summary>
    private async Task CopyAsync(string name, string filter, bool targetRows)
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var create = _target.Owner.CreateCommand($"""
            DROP TABLE IF EXISTS app.{name};
            CREATE TABLE app.{name} (LIKE app.users INCLUDING ALL);
            {(targetRows ? $"INSERT INTO app.{name} SELECT * FROM app.users;" : "")}
            """))
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        var rule = await TableRuleValidator.ValidateAsync(_source.Role, _target.Owner,
            new TableRuleRequest(new TableName("app", "users"), new TableName("app", name), filter), ct);
        var store = new TargetStateStore(_target.Owner, name);
        await store.InstallAsync(ct);
        var options = new CopyOptions { StatementTimeout = TimeSpan.FromSeconds(1) };
        await new TableCopy(_source.Role, _target.Owner, store, new BulkHandler(), options).CopyAsync(rule, null, ct);
    }

    /// <summary>A queue capturing a table of its own, a consumer, and one batch of inserts and an update.</summary>
    private async Task<(QueueConsumer Consumer, string Table)> QueueWithEventsAsync(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var table = $"app.{name}";
        await QueueSchema.InstallAsync(_source.Owner, ct);
        await using (var create = _source.Owner.CreateCommand($"""
            CREATE TABLE {table} (userid int PRIMARY KEY, v int);
            GRANT SELECT ON {table} TO {FilterDatabase.RoleName};
            """))
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        var admin = new QueueAdmin(_source.Owner);
        await admin.CreateQueueAsync(name, ct);
        await admin.EnableCaptureAsync(name, table, ct);
        var consumer = new QueueConsumer(_source.Owner, name, "c");
        await consumer.RegisterAsync(ct);
        await using (var writes = _source.Owner.CreateCommand($"INSERT INTO {table} VALUES (1, 1), (2, 2); UPDATE {table} SET v = 3"))
        {
            await writes.ExecuteNonQueryAsync(ct);
        }
        await admin.TickAsync(name, ct);
        return (consumer, table);
    }
}
