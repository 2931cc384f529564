using Ferry.Engine.Ddl;
using Ferry.Engine.Ddl.Internal;
using Ferry.Engine.Rules;

namespace Ferry.Engine.Tests.Ddl;

/// <summary>How a DDL script is split, refused and resolved (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md).</summary>
public sealed class DdlScriptTests
{
    [Fact]
    public void Split_KeepsSemicolonsInsideQuotesDollarQuotesAndComments()
    {
        var statements = SqlLexer.Split("""
            ALTER TABLE "we;ird" ADD COLUMN a text DEFAULT 'x;y';  -- a comment; with a semicolon
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;
            /* block; /* nested; */ still */ COMMENT ON TABLE t IS E'it''s \'; fine';
            ;;
            """);
        Assert.Equal(3, statements.Count);
        Assert.StartsWith("ALTER TABLE \"we;ird\"", statements[0], StringComparison.Ordinal);
        Assert.EndsWith("END $body$", statements[1], StringComparison.Ordinal);
        Assert.EndsWith("E'it''s \\'; fine'", statements[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BEGIN; ALTER TABLE t ADD COLUMN a int", "statement 1 (BEGIN) is transaction control")]
    [InlineData("ALTER TABLE t ADD COLUMN a int; commit", "statement 2 (commit) is transaction control")]
    [InlineData("SAVEPOINT s", "transaction control")]
    [InlineData("PREPARE TRANSACTION 'x'", "PREPARE")]
    [InlineData("SET search_path = x", "use SET LOCAL")]
    [InlineData("SET LOCAL ROLE admin", "changes the role")]
    [InlineData("SET SESSION AUTHORIZATION admin", "changes the role")]
    [InlineData("CREATE INDEX CONCURRENTLY i ON t (a)", "remove CONCURRENTLY")]
    [InlineData("VACUUM t", "cannot run inside a transaction")]
    [InlineData("CREATE DATABASE x", "cannot run inside a transaction")]
    [InlineData("COPY t FROM STDIN", "moves rows")]
    [InlineData("\\i file.sql", "psql meta-command")]
    public void Parse_RefusesWhatFerryCannotCarry_NamingTheStatement(string script, string expected)
    {
        var refused = Assert.Throws<DdlRefusedException>(() => DdlScript.Parse(script));
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  -- only a comment\n ; ")]
    [InlineData("ALTER TABLE {{table:orders}} ADD COLUMN a int")]
    [InlineData("ALTER TABLE {{view:app.orders}} ADD COLUMN a int")]
    public void Parse_RefusesEmptyScriptsAndBadPlaceholders(string script)
    {
        Assert.Throws<DdlRefusedException>(() => DdlScript.Parse(script));
    }

    [Fact]
    public void Statements_ResolvePlaceholders_ToTheNameGiven_Quoted()
    {
        var script = DdlScript.Parse("""
            ALTER TABLE {{table:app.orders}} ADD COLUMN a int;
            SET LOCAL lock_timeout = '1s';
            SELECT setval('{{ sequence : "App"."Ids" }}', 1);
            UPDATE {{table:app.orders}} SET a = 1
            """);
        Assert.Equal([new Placeholder(PlaceholderKind.Table, new TableName("app", "orders")),
            new Placeholder(PlaceholderKind.Sequence, new TableName("App", "Ids"))], script.Placeholders);
        var resolved = script.Statements(p => p.Kind == PlaceholderKind.Table ? new TableName("app", "orders_copy") : p.Name);
        Assert.Equal([
            "ALTER TABLE \"app\".\"orders_copy\" ADD COLUMN a int",
            "SET LOCAL lock_timeout = '1s'",
            "SELECT setval('\"App\".\"Ids\"', 1)",
            "UPDATE \"app\".\"orders_copy\" SET a = 1"], resolved);
    }
}
