using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Drift;

/// <summary>
/// Watches the source tables of one apply loop for schema drift (docs/decisions/ADR-014-exact-row-encoding.md): before the
/// first event of a table is applied, its rule is compared with the source's columns (<see cref="DriftCheck.CompareShape"/>);
/// each event's columns are checked (<see cref="DriftCheck.CheckEvent"/>); and before a batch commits, the source columns of
/// the tables it touched are read again (<see cref="VerifyAsync"/>): a change since they were read makes the loop run the
/// batch again against the new columns. So no event is applied against a shape its source no longer has.
/// </summary>
/// <remarks>One instance per built loop (the rules are fixed); not thread-safe (the apply loop runs one batch at a time).</remarks>
public sealed class DriftWatch(NpgsqlDataSource source, NpgsqlDataSource target)
{
    private readonly Dictionary<string, IReadOnlyList<LiveColumn>> _source = new(StringComparer.Ordinal);
    private readonly HashSet<string> _shapeChecked = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Table, IReadOnlyList<string> Names), (TableRule Rule, IReadOnlyList<KeyValuePair<string, string?>> Fills)>
        _verdicts = new(new VerdictKeyComparer());

    /// <summary>
    /// Whether a DDL script queued on the root has not run on this target yet (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md).
    /// While one is, a table whose source columns differ from its rule and its target is not stopped: the events before the
    /// script still have the rule's shape, and the script brings the target to the source's (each event is still checked).
    /// </summary>
    public Func<CancellationToken, Task<bool>>? DdlPending { get; init; }

    /// <summary>Reads the source columns of the rules' tables (one query) and the source's <c>lc_monetary</c>.</summary>
    public async Task LoadAsync(IEnumerable<TableRule> rules, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rules);
        await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (table, columns) in await LiveColumns.ReadAsync(connection, rules.Select(r => r.SourceTable), cancellationToken)
            .ConfigureAwait(false))
        {
            _source[table] = columns;
        }
        await using var command = new NpgsqlCommand("SELECT current_setting('lc_monetary')", connection);
        SourceMonetary = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The source's <c>lc_monetary</c> (capture writes money in it; the apply reads it back in it).</summary>
    public string? SourceMonetary { get; private set; }

    /// <summary>
    /// The event as it must be applied (with the values of columns added on the source after it was written), or a
    /// <see cref="DriftException"/>: stop the table, or build the rules again.
    /// </summary>
    public async ValueTask<ApplyEvent> CheckAsync(TableRule rule, ApplyEvent item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var e = item.Event;
        if (e.Data is null || e.Type is not (EventTypes.Insert or EventTypes.Update or EventTypes.Delete))
        {
            return item;
        }
        if (!_source.TryGetValue(rule.SourceTable, out var columns))
        {
            columns = (await LiveColumns.ReadAsync(source, [rule.SourceTable], cancellationToken).ConfigureAwait(false))
                .GetValueOrDefault(rule.SourceTable) ?? [];
            _source[rule.SourceTable] = columns;
        }
        if (_shapeChecked.Add(rule.SourceTable))
        {
            var targetColumns = (await LiveColumns.ReadAsync(target, [rule.Target.Quoted], cancellationToken).ConfigureAwait(false))
                .GetValueOrDefault(rule.Target.Quoted) ?? [];
            if (DriftCheck.CompareShape(rule, columns, targetColumns) is { } drift
                && !(drift.Stop && DdlPending is not null && await DdlPending(cancellationToken).ConfigureAwait(false)))
            {
                _shapeChecked.Remove(rule.SourceTable);
                throw drift;
            }
        }
        var names = e.Columns ?? EventRow.Names(e.Data);
        // A verdict holds for the rule it was made with (a DDL step replaces a table's rule within a batch).
        if (!_verdicts.TryGetValue((rule.SourceTable, names), out var verdict) || !ReferenceEquals(verdict.Rule, rule))
        {
            verdict = (rule, DriftCheck.CheckEvent(rule, e, names, columns));
            _verdicts[(rule.SourceTable, names)] = verdict;
        }
        var fills = verdict.Fills;
        if (fills.Count == 0)
        {
            return item;
        }
        var data = EventRow.IsTextRow(e.Data)
            ? EventRow.Append(e.Data, fills)
            : EventRow.Append(e.Data, fills.Where(f => rule.Columns.First(c => c.Name == f.Key).JsonType is null));
        return item with { Event = e with { Data = data, Columns = null } };
    }

    /// <summary>
    /// Reads the source columns of <paramref name="tables"/> again; when any changed since they were read, keeps the new ones
    /// and returns false: the batch must run again (its events were checked against columns the source no longer has).
    /// </summary>
    public async Task<bool> VerifyAsync(IReadOnlyCollection<string> tables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (tables.Count == 0)
        {
            return true;
        }
        var now = await LiveColumns.ReadAsync(source, tables, cancellationToken).ConfigureAwait(false);
        var same = true;
        foreach (var table in tables)
        {
            var current = now.GetValueOrDefault(table) ?? [];
            if (!_source.TryGetValue(table, out var known) || !known.SequenceEqual(current))
            {
                _source[table] = current;
                _shapeChecked.Remove(table);
                foreach (var key in _verdicts.Keys.Where(k => k.Table == table).ToList())
                {
                    _verdicts.Remove(key);
                }
                same = false;
            }
        }
        return same;
    }

    /// <summary>
    /// Forgets what it read and decided: after a DDL script ran in the batch (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md),
    /// the source's columns are read again before the next event is checked.
    /// </summary>
    public void Forget()
    {
        _source.Clear();
        _shapeChecked.Clear();
        _verdicts.Clear();
    }

    /// <summary>Runs a rebuilding drift's statements on the target, in one transaction.</summary>
    public async Task PrepareTargetAsync(DriftException drift, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(drift);
        if (drift.TargetDdl.Count == 0)
        {
            return;
        }
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var sql in drift.TargetDdl)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Names lists are compared by reference first (a statement's rows share one), then by content.</summary>
    private sealed class VerdictKeyComparer : IEqualityComparer<(string Table, IReadOnlyList<string> Names)>
    {
        public bool Equals((string Table, IReadOnlyList<string> Names) x, (string Table, IReadOnlyList<string> Names) y) =>
            string.Equals(x.Table, y.Table, StringComparison.Ordinal)
            && (ReferenceEquals(x.Names, y.Names) || x.Names.SequenceEqual(y.Names, StringComparer.Ordinal));

        public int GetHashCode((string Table, IReadOnlyList<string> Names) obj)
        {
            var hash = new HashCode();
            hash.Add(obj.Table, StringComparer.Ordinal);
            foreach (var name in obj.Names)
            {
                hash.Add(name, StringComparer.Ordinal);
            }
            return hash.ToHashCode();
        }
    }
}
