using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ferry.Engine.Tests.Apply;

/// <summary>
/// Batches larger than the bulk handler's fold limit (issue 14, docs/architecture.md "Bounded memory"), on the real queue of a
/// PostgreSQL 15 source into a PostgreSQL 18 target: the limit is set to 1,000 rows so a 50,000-row transaction takes dozens of
/// chunks, all in the batch's one target transaction.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BoundedMemoryTests(ClusterFixture clusters)
{
    private const int Rows = 50_000;
    private const string Items = "CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL, n int)";
    private const string Other = "CREATE TABLE other (id int PRIMARY KEY, v text)";
    private static readonly ApplyOptions Small = new() { FoldRows = 1000 };

    [Fact]
    public async Task BatchLargerThanTheFold_AppliesInChunks_AndEqualsTheSource()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var env = await SetUpAsync("mem_chunks");
        // One batch: a 50,000-row UPDATE with a key change and deletes in one transaction, then a truncate between two
        // loads of another table; each bigger than a chunk.
        await env.WriteAndTickAsync($"""
            BEGIN;
            UPDATE items SET v = v || '!', n = n + 1;
            UPDATE items SET id = id + 1000000 WHERE id <= 700;
            DELETE FROM items WHERE id % 10 = 3;
            COMMIT;
            INSERT INTO other SELECT g, 'a' || g FROM generate_series(1, 4000) g;
            TRUNCATE other;
            INSERT INTO other SELECT g, 'b' || g FROM generate_series(2001, 5000) g;
            UPDATE other SET v = v || '?' WHERE id % 3 = 0;
            """);
        var handler = new Watching(new BulkHandler(options: Small));

        Assert.Equal(ApplyOutcome.Applied, await env.Loop(handler).RunOnceAsync(ct));

        Assert.True(handler.Results.Single().Chunks >= Rows / Small.FoldRows,
            $"the handler wrote {handler.Results.Single().Chunks} chunks");
        Assert.True(handler.Results.Single().Events > Rows + 7000);
        await env.AssertEqualAsync();
        Assert.Equal(Rows - Rows / 10, await env.TargetScalarAsync("SELECT count(*) FROM items"));
        Assert.Equal(0L, await env.TargetScalarAsync("SELECT count(*) FROM other WHERE v LIKE 'a%'"));
    }

    [Fact]
    public async Task CrashInTheMiddleOfAMultiChunkBatch_CommitsNothing_AndTheNextRunAppliesItAll()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var env = await SetUpAsync("mem_crash");
        var before = await env.TargetHashAsync();
        await env.WriteAndTickAsync("""
            UPDATE items SET v = v || '!', n = n + 1;
            UPDATE items SET id = id + 1000000 WHERE id <= 700;
            DELETE FROM items WHERE id % 10 = 3;
            """);
        using var crash = new CancellationTokenSource();
        long written = 0;
        var dying = new Watching(new BulkHandler(options: Small), async (target, seen) =>
        {
            if (seen == 20_000)
            {
                // Several chunks are written in the open transaction by now; then the process "dies".
                await using var command = new NpgsqlCommand("SELECT count(*) FROM items WHERE v LIKE '%!'", target.Connection, target.Transaction);
                written = (long)(await command.ExecuteScalarAsync(ct))!;
                await crash.CancelAsync();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => env.Loop(dying).RunOnceAsync(crash.Token));

        Assert.True(written >= 10_000, $"only {written} rows were written before the crash");
        Assert.Equal(before, await env.TargetHashAsync());
        Assert.Null((await new TargetStateStore(env.Target, "sub").GetSubscriptionAsync(ct)).LastTick);
        var next = new Watching(new BulkHandler(options: Small));
        Assert.Equal(ApplyOutcome.Applied, await env.Loop(next).RunOnceAsync(ct));
        Assert.True(next.Results.Single().Chunks > 1);
        await env.AssertEqualAsync();
        Assert.Equal(ApplyOutcome.Idle, await env.Loop(next).RunOnceAsync(ct));
    }

    [Fact]
    public async Task KeptEvents_WriteAndTakeAChunkAtATime_InEventOrder_WhileTheConnectionIsUsedBetween()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var target = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(18, "mem_kept"));
        var store = new TargetStateStore(target, "sub");
        await store.InstallAsync(ct);
        await using var connection = await target.OpenConnectionAsync(ct);
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            var kept = new KeptEventWriter(store, connection, transaction, chunk: 700);
            for (var id = 12_000; id >= 1; id--)
            {
                // Ids descending: the take must order them, not the writes.
                await kept.AddAsync(new ApplyEvent(new QueueEvent(id, 1, default, "U", "public.t", $"{{\"id\":{id}}}", null), id % 2 == 0), ct);
            }
            await kept.FlushAsync(ct);
            Assert.Equal(12_000, kept.Count);
            await transaction.CommitAsync(ct);
        }

        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            var ids = new List<long>();
            await foreach (var item in store.TakePendingAsync(connection, transaction, "public.t", ct, chunk: 1000))
            {
                ids.Add(item.Event.Id);
                Assert.Equal(item.Event.Id % 2 == 0, item.InFilter);
                // A handler writes between two events on the same connection.
                await using var use = new NpgsqlCommand("SELECT 1", connection, transaction);
                await use.ExecuteScalarAsync(ct);
            }
            Assert.Equal(Enumerable.Range(1, 12_000).Select(i => (long)i), ids);
            await transaction.CommitAsync(ct);
        }
        await using var left = target.CreateCommand("SELECT count(*) FROM ferry.pending_event");
        Assert.Equal(0L, await left.ExecuteScalarAsync(ct));
    }

    private async Task<Env> SetUpAsync(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var source = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(15, name + "_src"));
        var target = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(18, name + "_tgt"));
        // The same 50,000 rows on both sides, as after a copy.
        var load = $"{Items}; {Other}; INSERT INTO items SELECT g, 'v' || g, g FROM generate_series(1, {Rows}) g;";
        await ExecuteAsync(source, load);
        await ExecuteAsync(target, load);
        await QueueSchema.InstallAsync(source, ct);
        var admin = new QueueAdmin(source);
        await admin.CreateQueueAsync("q", ct);
        var store = new TargetStateStore(target, "sub");
        await store.InstallAsync(ct);
        var rules = new List<TableRule>();
        foreach (var table in new[] { "items", "other" })
        {
            await admin.EnableCaptureAsync("q", "public." + table, ct);
            var rule = await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(new TableName("public", table)), ct);
            rules.Add(rule);
            await store.AddTableAsync(rule, ct);
            await store.MoveTableAsync(rule.SourceTable, TableState.Copying, cancellationToken: ct);
            await using var connection = await target.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await store.MoveTableAsync(connection, transaction, rule.SourceTable, TableState.CatchingUp, cancellationToken: ct);
            await store.MoveTableAsync(connection, transaction, rule.SourceTable, TableState.Ok, cancellationToken: ct);
            await transaction.CommitAsync(ct);
        }
        await new QueueConsumer(source, "q", "sub").RegisterAsync(ct);
        return new Env(source, target, rules);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private sealed class Env(NpgsqlDataSource source, NpgsqlDataSource target, List<TableRule> rules) : IAsyncDisposable
    {
        private readonly List<QueueBatchSource> _feeds = [];

        public NpgsqlDataSource Target => target;

        /// <summary>A new loop, as a new process would build it: its own batch source on the queue.</summary>
        public ApplyLoop Loop(IHandler handler)
        {
            var feed = new QueueBatchSource(new QueueConsumer(source, "q", "sub"), source);
            _feeds.Add(feed);
            return new ApplyLoop(feed, target, new TargetStateStore(target, "sub"), rules, handler,
                new ApplyLoopOptions { InitialBackoff = TimeSpan.FromMilliseconds(10), IdleDelay = TimeSpan.FromMilliseconds(20) },
                TimeProvider.System, NullLogger<ApplyLoop>.Instance);
        }

        public async Task WriteAndTickAsync(string sql)
        {
            await ExecuteAsync(source, sql);
            await new QueueAdmin(source).TickAsync("q", TestContext.Current.CancellationToken);
        }

        public async Task<string> TargetHashAsync() => await HashAsync(target, "items", "id, v, n") + await HashAsync(target, "other", "id, v");

        public async Task AssertEqualAsync()
        {
            Assert.Equal(await HashAsync(source, "items", "id, v, n"), await HashAsync(target, "items", "id, v, n"));
            Assert.Equal(await HashAsync(source, "other", "id, v"), await HashAsync(target, "other", "id, v"));
        }

        public async Task<long> TargetScalarAsync(string sql)
        {
            await using var command = target.CreateCommand(sql);
            return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var feed in _feeds)
            {
                await feed.DisposeAsync();
            }
            await source.DisposeAsync();
            await target.DisposeAsync();
        }

        private static async Task<string> HashAsync(NpgsqlDataSource data, string table, string columns)
        {
            await using var connection = await data.OpenConnectionAsync(TestContext.Current.CancellationToken);
            return await TestCapture.HashAsync(connection, table, columns, "id");
        }
    }

    /// <summary>Passes the events through to <paramref name="inner"/>, keeps its results, and calls <paramref name="onEvent"/> per event.</summary>
    private sealed class Watching(IHandler inner, Func<HandlerTarget, long, Task>? onEvent = null) : IHandler
    {
        public List<HandlerResult> Results { get; } = [];

        public async Task<HandlerResult> ApplyAsync(HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, CancellationToken cancellationToken)
        {
            var result = await inner.ApplyAsync(target, Watch(target, events, cancellationToken), cancellationToken);
            Results.Add(result);
            return result;
        }

        private async IAsyncEnumerable<ApplyEvent> Watch(
            HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            long seen = 0;
            await foreach (var item in events.WithCancellation(cancellationToken))
            {
                if (onEvent is not null)
                {
                    await onEvent(target, ++seen);
                }
                yield return item;
            }
        }
    }
}
