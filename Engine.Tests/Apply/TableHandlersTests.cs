using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Rules;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Apply;

/// <summary>Handlers by name, and a batch whose tables name different handlers.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TableHandlersTests(ClusterFixture clusters)
{
    [Theory]
    [InlineData(null, typeof(BulkHandler))]
    [InlineData("", typeof(BulkHandler))]
    [InlineData("bulk", typeof(BulkHandler))]
    [InlineData("row", typeof(RowHandler))]
    [InlineData("append", typeof(AppendHandler))]
    public void Find_GivesTheNamedHandler_BulkByDefault(string? name, Type expected) =>
        Assert.IsType(expected, HandlerRegistry.Find(name));

    [Theory]
    [InlineData("Row")]
    [InlineData("merge")]
    public void Find_RefusesAnUnknownName_AndTheMessageSaysWhichExist(string name)
    {
        Assert.Null(HandlerRegistry.Find(name));
        Assert.Equal(
            $"The table's handler '{name}' does not exist: name one of {string.Join(", ", HandlerRegistry.Names)}, or none for bulk.",
            HandlerRegistry.Unknown(name));
        Assert.StartsWith("bulk, row, append", string.Join(", ", HandlerRegistry.Names), StringComparison.Ordinal);
    }

    [Fact]
    public void NamesFailingEvent_OnlyWhenEveryHandlerDoes()
    {
        var row = new RowHandler();
        var bulk = new BulkHandler();

        Assert.True(((IHandler)row).NamesFailingEvent);
        Assert.False(((IHandler)bulk).NamesFailingEvent);
        Assert.True(new TableHandlers(new Dictionary<string, IHandler> { ["public.a"] = row }, row).NamesFailingEvent);
        Assert.False(new TableHandlers(new Dictionary<string, IHandler> { ["public.a"] = row }, bulk).NamesFailingEvent);
    }

    [Fact]
    public async Task ApplyAsync_GivesEachTableItsOwnHandler_InOneTransaction()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var data = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(15, "table_handlers"));
        await using var connection = await data.OpenConnectionAsync(ct);
        await ExecuteAsync(connection, "CREATE TABLE a (id int PRIMARY KEY, v int); CREATE TABLE ta (id int PRIMARY KEY, v int);"
            + "CREATE TABLE b (id int PRIMARY KEY, v text); CREATE TABLE tb (id int PRIMARY KEY, v text);");
        await TestCapture.InstallAsync(connection, "public", "a", ["id"]);
        await TestCapture.InstallAsync(connection, "public", "b", ["id"]);
        // Interleaved changes of both tables, each key changed several times.
        await ExecuteAsync(connection, """
            INSERT INTO a SELECT i, i FROM generate_series(1, 20) i;
            INSERT INTO b SELECT i, 'x' || i FROM generate_series(1, 20) i;
            UPDATE a SET v = -v WHERE id % 2 = 0;
            DELETE FROM b WHERE id % 3 = 0;
            UPDATE b SET v = v || '!' WHERE id % 2 = 1;
            DELETE FROM a WHERE id > 15;
            INSERT INTO b VALUES (21, 'late');
            """);
        var events = await TestCapture.ReadAsync(connection, 0, await TestCapture.LastIdAsync(connection));
        var ruleA = await TableRuleValidator.ValidateAsync(data, data,
            new TableRuleRequest(new TableName("public", "a"), new TableName("public", "ta")), ct);
        var ruleB = await TableRuleValidator.ValidateAsync(data, data,
            new TableRuleRequest(new TableName("public", "b"), new TableName("public", "tb")), ct);
        var row = new Recording(new RowHandler());
        var bulk = new Recording(new BulkHandler());
        var handlers = new TableHandlers(new Dictionary<string, IHandler> { [ruleA.SourceTable] = row, [ruleB.SourceTable] = bulk },
            HandlerRegistry.Default);

        HandlerResult result;
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            var target = new HandlerTarget(connection, transaction,
                new Dictionary<string, TableRule> { [ruleA.SourceTable] = ruleA, [ruleB.SourceTable] = ruleB });
            result = await handlers.ApplyAsync(target, TestCapture.AsAsync(events), ct);
            await transaction.CommitAsync(ct);
        }

        Assert.Equal(events.Count, result.Events);
        Assert.Equal([ruleA.SourceTable], row.Tables.Distinct());
        Assert.Equal([ruleB.SourceTable], bulk.Tables.Distinct());
        foreach (var (source, target) in new[] { ("a", "ta"), ("b", "tb") })
        {
            Assert.Equal(
                await TestCapture.HashAsync(connection, source, "id, v", "id"), await TestCapture.HashAsync(connection, target, "id, v", "id"));
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Passes events to a handler and records the tables it was given.</summary>
    private sealed class Recording(IHandler inner) : IHandler
    {
        public List<string?> Tables { get; } = [];

        public async Task<HandlerResult> ApplyAsync(
            HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, CancellationToken cancellationToken)
        {
            var seen = new List<ApplyEvent>();
            await foreach (var e in events.WithCancellation(cancellationToken))
            {
                Tables.Add(e.Event.Table);
                seen.Add(e);
            }
            return await inner.ApplyAsync(target, TestCapture.AsAsync(seen), cancellationToken);
        }
    }
}
