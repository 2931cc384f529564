using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Copy;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Ferry.Engine.Ticker;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ferry.Bench;

/// <summary>
/// Ferry replicating the source seed database into one target database, composed from the engine's parts the way the
/// seed end-to-end test does it (queue + ticker loop + consumer + apply loop with the bulk handler + table copy), without
/// the portal's Hangfire jobs and control database. With <paramref name="londisteTicker"/> the queue gets the same ticker
/// settings as Londiste's tightened run (max lag 250 ms, idle period 1 s); otherwise Ferry's defaults.
/// </summary>
internal sealed class FerryReplication(string sourceConnectionString, string targetConnectionString, bool londisteTicker) : IFerryReplication
{
    private const string Queue = "bench_repl";
    private const string Subscription = "bench_sub";
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(sourceConnectionString);
    private readonly NpgsqlDataSource _target = NpgsqlDataSource.Create(targetConnectionString);
    private readonly List<TableRule> _rules = [];
    private readonly Dictionary<string, string> _sourceKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<CopyResult>> _copies = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopAll = new();
    private readonly CopyOptions _copyOptions = new();
    private QueueAdmin _admin = null!;
    private TargetStateStore _store = null!;
    private QueueConsumer _consumer = null!;
    private Task? _ticker;
    private CancellationTokenSource? _loopStop;
    private Task? _loopTask;
    private bool _paused;

    public async Task SetUpAsync(CancellationToken ct)
    {
        await QueueSchema.InstallAsync(_source, ct);
        _admin = new QueueAdmin(_source);
        await _admin.CreateQueueAsync(Queue, ct);
        if (londisteTicker)
        {
            await _admin.ConfigureAsync(Queue,
                new QueueSettings(TickerMaxLag: TimeSpan.FromMilliseconds(250), TickerIdlePeriod: TimeSpan.FromSeconds(1)), ct);
        }
        _consumer = new QueueConsumer(_source, Queue, Subscription);
        await _consumer.RegisterAsync(ct);
        _store = new TargetStateStore(_target, Subscription);
        var ticker = new TickerLoop(_source, Queue, new TickerOptions(), TimeProvider.System, NullLogger<TickerLoop>.Instance);
        _ticker = ticker.RunAsync(_stopAll.Token);
        await StartLoopAsync(ct);
    }

    public async Task AddTableAsync(string table, CancellationToken ct)
    {
        var parts = table.Split('.', 2);
        var rule = await TableRuleValidator.ValidateAsync(_source, _target, new TableRuleRequest(new TableName(parts[0], parts[1])), ct);
        // The loop knows its rules from its start: stop it, capture, restart it with the new rule (it adds the table as new).
        await StopLoopAsync();
        await _admin.EnableCaptureAsync(Queue, table, ct);
        _rules.Add(rule);
        _sourceKeys[table] = rule.SourceTable;
        await StartLoopAsync(ct);
        var copy = new TableCopy(_source, _target, _store, new BulkHandler(), _copyOptions);
        _copies[table] = Task.Run(() => copy.CopyAsync(rule, null, _stopAll.Token), CancellationToken.None);
    }

    public async Task<string> TableStateAsync(string table, CancellationToken ct)
    {
        if (_copies.TryGetValue(table, out var copy) && copy.IsFaulted)
        {
            throw new BenchException($"Ferry's copy of {table} failed: {copy.Exception?.GetBaseException().Message}");
        }
        if (_loopTask is { IsFaulted: true } loop)
        {
            throw new BenchException($"Ferry's apply loop failed: {loop.Exception?.GetBaseException().Message}");
        }
        var key = _sourceKeys[table];
        var row = (await _store.GetTablesAsync(ct)).FirstOrDefault(r => r.SourceTable == key);
        return row?.State switch
        {
            null => "unregistered",
            TableState.New => "new",
            TableState.Copying => "copying",
            TableState.CatchingUp => "catching-up",
            TableState.Ok => "ok",
            TableState.Paused => "paused",
            _ => "error: " + row.Error,
        };
    }

    public async Task PauseAsync(CancellationToken ct)
    {
        _paused = true;
        await StopLoopAsync();
    }

    public async Task ResumeAsync(CancellationToken ct)
    {
        _paused = false;
        await StartLoopAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await StopLoopAsync();
        await _stopAll.CancelAsync();
        foreach (var t in _copies.Values.Append(_ticker ?? Task.CompletedTask))
        {
            try
            {
                await t.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException or NpgsqlException or BenchException)
            {
                // stopping
            }
        }
        _stopAll.Dispose();
        await _source.DisposeAsync();
        await _target.DisposeAsync();
    }

    private async Task StartLoopAsync(CancellationToken ct)
    {
        if (_paused || _loopTask is not null)
        {
            return;
        }
        var loop = new ApplyLoop(new QueueBatchSource(_consumer, _source), _target, _store, [.. _rules], new BulkHandler(),
            new ApplyLoopOptions { InitialBackoff = TimeSpan.FromMilliseconds(50), IdleDelay = TimeSpan.FromMilliseconds(50) },
            TimeProvider.System, NullLogger<ApplyLoop>.Instance);
        await loop.RunOnceAsync(ct); // installs the target state and adds new tables
        _loopStop = CancellationTokenSource.CreateLinkedTokenSource(_stopAll.Token);
        _loopTask = loop.RunAsync(_loopStop.Token);
    }

    private async Task StopLoopAsync()
    {
        if (_loopTask is null)
        {
            return;
        }
        await _loopStop!.CancelAsync();
        try
        {
            await _loopTask;
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        _loopStop.Dispose();
        _loopStop = null;
        _loopTask = null;
    }
}
