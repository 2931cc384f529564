using Ferry.Engine.Demo;
using Ferry.Engine.Rules;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Rules;

/// <summary>Each refusal says what to fix and leaves source and target unchanged; valid rules come back resolved.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TableRuleValidatorTests(ClusterFixture clusters) : IAsyncLifetime
{
    // One source and target for the whole class: every test leaves them unchanged or adds its own objects.
    private static readonly SemaphoreSlim s_setupGate = new(1, 1);
    private static (NpgsqlDataSource Source, NpgsqlDataSource Target)? s_databases;
    private NpgsqlDataSource _source = null!;
    private NpgsqlDataSource _target = null!;

    public async ValueTask InitializeAsync()
    {
        await s_setupGate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            s_databases ??= await CreateDatabasesAsync();
            (_source, _target) = s_databases.Value;
        }
        finally
        {
            s_setupGate.Release();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<(NpgsqlDataSource, NpgsqlDataSource)> CreateDatabasesAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = await clusters.GetAsync(13);
        var target = await clusters.GetAsync(18);
        var sourceData = NpgsqlDataSource.Create(
            await SeedScenario.CreateSourceAsync(source.ConnectionString(), "rules_src", "rules_owner", "pw1", 50, ct));
        var targetData = NpgsqlDataSource.Create(
            await SeedScenario.CreateTargetAsync(target.ConnectionString(), "rules_t1", "rules_owner", "pw1", allTables: true, ct));
        await ExecuteAsync(sourceData, """
            CREATE SCHEMA "we""ird";
            CREATE TABLE "we""ird"."ta""ble" ("i""d" int PRIMARY KEY, "va""l" text NOT NULL, u int NOT NULL, n int, other text);
            CREATE UNIQUE INDEX "u_idx" ON "we""ird"."ta""ble" (u);
            CREATE UNIQUE INDEX "n_idx" ON "we""ird"."ta""ble" (n);
            CREATE TABLE rules_owner.no_pk (a int NOT NULL, b int);
            CREATE UNIQUE INDEX no_pk_a ON rules_owner.no_pk (a);
            INSERT INTO "we""ird"."ta""ble" VALUES (1, 'x', 1, 1, 'o');
            """);
        await ExecuteAsync(targetData, """
            CREATE SCHEMA "we""ird";
            CREATE TABLE rules_owner.lacks (userid int PRIMARY KEY, engname text);
            CREATE TABLE rules_owner.other_key (userid int NOT NULL, engname text, cnname text, occupation text, birthday date,
                signname text, email text UNIQUE, qq numeric, crt_time timestamp, mod_time timestamp);
            CREATE TABLE rules_owner.other_type (userid int PRIMARY KEY, engname text, cnname text, occupation text, birthday text,
                signname text, email text, qq numeric, crt_time timestamp, mod_time timestamp);
            """);
        return (sourceData, targetData);
    }

    public static TheoryData<string, string?, string?, string> Refusals => new()
    {
        { "user_login_rec", null, null, "has no primary key and no unique index over NOT NULL columns" },
        { "user_logout_rec", null, null, "add a primary key to it" },
        { "no_such_table", null, null, "The source has no table \"rules_owner\".\"no_such_table\"" },
        { "no_pk", null, null, "choose one of its unique indexes as the key: \"no_pk_a\"" },
        { "user_info", "lacks", null, "lacks the source column(s) \"cnname\"" },
        { "user_info", "other_key", null, "has no primary key or unique index on exactly the key (\"userid\")" },
        { "user_info", "other_type", null, "column \"birthday\" is text where the source has date" },
        { "user_info", "missing_target", null, "The target has no table \"rules_owner\".\"missing_target\"" },
        { "user_info", null, "true; drop table rules_owner.user_session", "row filter" },
        { "user_info", null, "userid +", "syntax error" },
        { "user_info", null, "userid", "must be type boolean" },
        { "user_info", null, "no_column > 1", "no_column" },
        { "user_info", null, "userid IN (SELECT userid FROM rules_owner.user_session)", "is not valid: it" },
        { "user_info", null, "userid = (SELECT max(userid) FROM rules_owner.user_session)", "subquery" },
        { "user_info", null, "true) UNION ALL SELECT 1 FROM rules_owner.user_session WHERE (true", "')' at position 5 closes nothing" },
        { "user_info", null, "true) UNION SELECT (1", "')' at position 5 closes nothing" },
        { "user_info", null, "1=1) or (1=1", "')' at position 4 closes nothing" },
        { "user_info", null, "true) --", "closes nothing" },
        { "user_info", null, "userid > 1 /* unclosed", "comment opened at position 12 is not closed" },
        { "user_info", null, "engname = $$x) or (true", "dollar-quoted string opened" },
        { "user_info", null, "userid = $1", "query parameter" },
        { "user_info", null, "random() < 0.5", "not immutable" },
        { "user_info", null, "crt_time > now() - interval '1 day'", "not immutable" },
        { "user_info", null, "rules_owner.f_user_login(userid) IS NULL", "not immutable" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task ValidateAsync_Refuses_AndChangesNothing(string table, string? target, string? filter, string message)
    {
        var before = (await FingerprintAsync(_source), await FingerprintAsync(_target));
        var request = new TableRuleRequest(new TableName("rules_owner", table), target is null ? null : new TableName("rules_owner", target), filter);

        var error = await Assert.ThrowsAsync<TableRuleException>(
            () => TableRuleValidator.ValidateAsync(_source, _target, request, TestContext.Current.CancellationToken));

        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), error.Message);
        Assert.Equal(before, (await FingerprintAsync(_source), await FingerprintAsync(_target)));
    }

    public static TheoryData<string> OneExpression =>
    [
        "userid <= 1000",
        "userid <= 1000 -- the first thousand (and no more)",
        "/* ( */ engname <> ')' AND engname <> 'it''s ('",
        "engname <> $$a)b$$ AND engname <> $t$(( $t$ AND engname <> E'\\')'",
        "CASE WHEN userid > 5 THEN (userid % 2 = 0) ELSE false END",
        "userid IN (1, 2, 3) OR lower(engname) = 'x' OR birthday > '2000-01-01'::date OR userid::text = '5'",
    ];

    [Theory]
    [MemberData(nameof(OneExpression))]
    public async Task ValidateAsync_AcceptsOneExpression_WithQuotedParenthesesAndComments(string filter)
    {
        var rule = await TableRuleValidator.ValidateAsync(_source, _target,
            new TableRuleRequest(new TableName("rules_owner", "user_info"), Filter: filter), TestContext.Current.CancellationToken);
        Assert.Equal(filter, rule.Filter);
    }

    [Fact]
    public async Task ValidateAsync_RefusesNullableKeyIndex_AndNamesTheColumn()
    {
        var request = new TableRuleRequest(new TableName("we\"ird", "ta\"ble"), KeyIndex: "n_idx", CreateTarget: true);
        var error = await Assert.ThrowsAsync<TableRuleException>(
            () => TableRuleValidator.ValidateAsync(_source, _target, request, TestContext.Current.CancellationToken));
        Assert.Contains("column(s) \"n\" allow NULL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAsync_ResolvesSeedTable_WithPrimaryKeyAndFilter()
    {
        var rule = await TableRuleValidator.ValidateAsync(_source, _target,
            new TableRuleRequest(new TableName("rules_owner", "user_info"), Filter: " userid % 2 = 0 "), TestContext.Current.CancellationToken);
        Assert.Equal("rules_owner.user_info", rule.SourceTable);
        Assert.Equal(["userid"], rule.Key);
        Assert.Equal("userid % 2 = 0", rule.Filter);
        Assert.Equal(10, rule.Columns.Count);
    }

    [Fact]
    public async Task ValidateAsync_CreatesQuotedTarget_WithChosenUniqueKey()
    {
        var ct = TestContext.Current.CancellationToken;
        var request = new TableRuleRequest(new TableName("we\"ird", "ta\"ble"), new TableName("we\"ird", "co\"py"),
            Filter: "\"va\"\"l\" <> 'y' AND \"i\"\"d\" > 0", KeyIndex: "u_idx", CreateTarget: true);

        var rule = await TableRuleValidator.ValidateAsync(_source, _target, request, ct);

        Assert.Equal("\"we\"\"ird\".\"ta\"\"ble\"", rule.SourceTable);
        Assert.Equal(["u"], rule.Key);
        await using var command = _target.CreateCommand("""
            SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN '!' ELSE '' END,
                              ',' ORDER BY a.attnum),
                   (SELECT string_agg(pg_get_indexdef(i.indexrelid), ',') FROM pg_index i WHERE i.indrelid = '"we""ird"."co""py"'::regclass)
            FROM pg_attribute a WHERE a.attrelid = '"we""ird"."co""py"'::regclass AND a.attnum > 0
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        Assert.True(await reader.ReadAsync(ct));
        Assert.Equal("i\"d integer!,va\"l text!,u integer!,n integer,other text", reader.GetString(0));
        Assert.Contains("(u)", reader.GetString(1), StringComparison.Ordinal);

        // Validating again against the now existing target accepts it.
        var again = await TableRuleValidator.ValidateAsync(_source, _target, request with { CreateTarget = false }, ct);
        Assert.Equal(rule.Key, again.Key);
    }

    private static async Task<string> FingerprintAsync(NpgsqlDataSource data)
    {
        await using var command = data.CreateCommand("""
            SELECT md5(string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' ||
                       (SELECT string_agg(attname || format_type(atttypid, atttypmod), ',' ORDER BY attnum)
                        FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped), ';' ORDER BY n.nspname, c.relname))
                   || (SELECT count(*) FROM rules_owner.user_session)::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
            """);
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
