using Ferry.Engine.Consumers;
using Ferry.Engine.Rules;
using Ferry.Engine.Sql;
using Ferry.Engine.Target;
using Npgsql;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// For log tables kept by period (docs/decisions/ADR-019-handlers.md): each insert goes to the table of its period (day or
/// month of a timestamp or date column) beside the rule's target table, named <c>target_YYYYMM</c> or <c>target_YYYYMMDD</c>,
/// created when missing with <c>CREATE TABLE ... (LIKE target INCLUDING ALL)</c> in the batch's transaction. A timestamptz
/// column's period is taken in UTC. The initial copy fills the target table itself (the history before replication began).
/// Like <see cref="AppendHandler"/> it applies inserts only: an update, delete or truncate stops the table.
/// </summary>
public sealed class PartitionHandler(string column, string period, ApplyOptions? limits = null) : IHandler
{
    private readonly ApplyOptions _limits = limits ?? new ApplyOptions();

    public async Task<HandlerResult> ApplyAsync(HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(events);
        var replica = await ReplicaRole.TrySetAsync(target.Connection, target.Transaction, cancellationToken).ConfigureAwait(false);
        var rows = new AppendRows(_limits, (rule, chunk) => WriteAsync(target, rule, chunk, cancellationToken));
        var count = 0;
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            count++;
            var rule = target.RuleFor(item.Event);
            AppendHandler.NotAppendOnly(HandlerRegistry.Partition, rule, item.Event);
            if (item.InFilter)
            {
                await rows.AddAsync(rule, item.Event).ConfigureAwait(false);
            }
        }
        await rows.FlushAsync().ConfigureAwait(false);
        return new HandlerResult(count, replica, rows.Chunks);
    }

    /// <summary>The period of row <c>r</c> as text (<c>YYYYMM</c> or <c>YYYYMMDD</c>).</summary>
    internal static string PeriodSql(TableRule rule, string column, string period)
    {
        var definition = rule.Columns.First(c => c.Name == column);
        var value = "r." + Identifiers.Quote(column) + (definition.TypeName == "pg_catalog.timestamptz" ? " AT TIME ZONE 'UTC'" : "");
        return $"to_char({value}, '{(period == "day" ? "YYYYMMDD" : "YYYYMM")}')";
    }

    private async Task WriteAsync(HandlerTarget target, TableRule rule, IReadOnlyList<string> chunk, CancellationToken cancellationToken)
    {
        var periodSql = PeriodSql(rule, column, period);
        var from = $"FROM unnest($1::text[]) AS j(v) CROSS JOIN LATERAL {TargetTableSql.Populate(rule, "j.v::json")}";
        var periods = new List<string?>();
        await using (var find = new NpgsqlCommand($"SELECT DISTINCT {periodSql} {from}", target.Connection, target.Transaction))
        {
            find.Parameters.Add(new NpgsqlParameter { Value = chunk.ToArray() });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                periods.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
            }
        }
        if (periods.Contains(null))
        {
            throw new Drift.DriftException(rule.SourceTable, stop: true,
                $"A row of {rule.Source} has no value in \"{column}\", so the partition handler cannot tell its period table: the table "
                + $"stopped before it. Give the rows a value (or choose another column or handler), then resync the table.");
        }
        foreach (var p in periods.OfType<string>())
        {
            var name = rule.Target.Name + "_" + p;
            if (System.Text.Encoding.UTF8.GetByteCount(name) > 63)
            {
                throw new ApplyException($"The period table name {name} is longer than PostgreSQL's 63 bytes: rename the target table.");
            }
            var table = Identifiers.Quote(rule.Target.Schema, name);
            await using (var create = new NpgsqlCommand(
                $"CREATE TABLE IF NOT EXISTS {table} (LIKE {rule.Target.Quoted} INCLUDING ALL)", target.Connection, target.Transaction))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO {table} ({TargetTableSql.Columns(rule)}) SELECT {TargetTableSql.Columns(rule, "r")} {from} WHERE {periodSql} = $2",
                target.Connection, target.Transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = chunk.ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = p });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>The <c>partition</c> handler: a timestamp or date column and a period (day or month).</summary>
internal sealed class PartitionHandlerKind : HandlerKind
{
    public const string ColumnOption = "column";
    public const string PeriodOption = "period";

    private static readonly string[] TimeTypes = ["pg_catalog.timestamp", "pg_catalog.timestamptz", "pg_catalog.date"];

    public override string Name => HandlerRegistry.Partition;

    public override string Description =>
        "Log tables kept by period: inserts go to per-day or per-month tables (target_YYYYMM) by a timestamp column, created when missing.";

    public override bool NeedsKey => false;

    public override IReadOnlyList<HandlerOption> Options =>
    [
        new(ColumnOption, "the timestamp, timestamptz or date column that decides a row's period, e.g. login_time"),
        new(PeriodOption, "day or month (month when empty)", Required: false),
    ];

    public override Task<string?> ProblemAsync(
        NpgsqlDataSource target, TableRule rule, IReadOnlyDictionary<string, string> options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(options);
        if (HandlerOptions.Problem(this, options) is { } problem)
        {
            return Task.FromResult<string?>(problem);
        }
        var column = options[ColumnOption].Trim();
        var period = options.GetValueOrDefault(PeriodOption)?.Trim() ?? "month";
        string? found = rule.Columns.FirstOrDefault(c => c.Name == column) switch
        {
            null => $"{rule.Source} has no column \"{column}\": name one of {string.Join(", ", rule.Columns.Select(c => c.Name))}",
            { } c when !TimeTypes.Contains(c.TypeName) => $"the column \"{column}\" is {c.Type}: the period needs a timestamp, timestamptz or date column",
            _ when period is not ("day" or "month" or "") => $"the period '{period}' is neither day nor month",
            _ when System.Text.Encoding.UTF8.GetByteCount(rule.Target.Name) + (period == "day" ? 9 : 7) > 63 =>
                $"the period tables' names ({rule.Target.Name}_YYYYMMDD) would be longer than PostgreSQL's 63 bytes: choose a shorter target name",
            _ => null,
        };
        return Task.FromResult(found);
    }

    public override IHandler Create(IReadOnlyDictionary<string, string> options, ApplyOptions limits)
    {
        ArgumentNullException.ThrowIfNull(options);
        var period = options.GetValueOrDefault(PeriodOption)?.Trim();
        return new PartitionHandler(options[ColumnOption].Trim(), string.IsNullOrEmpty(period) ? "month" : period, limits);
    }
}
