using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Ddl.Internal;

/// <summary>
/// The rules after a DDL script ran on the target, inside the batch's transaction (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md):
/// each rule replicates the source's columns now that its target table has now, so a column the script added on both sides
/// is carried from the next event on and a dropped one no longer is.
/// </summary>
internal static class RuleRefresh
{
    public static async Task<IReadOnlyList<TableRule>> AfterDdlAsync(
        NpgsqlDataSource root, HandlerTarget target, IReadOnlyList<TableRule> rules, CancellationToken cancellationToken)
    {
        if (rules.Count == 0)
        {
            return [];
        }
        var onTarget = await LiveColumns.ReadAsync(target.Connection, rules.Select(r => r.Target.Quoted), cancellationToken)
            .ConfigureAwait(false);
        var onSource = await LiveColumns.ReadAsync(root, rules.Select(r => r.SourceTable), cancellationToken).ConfigureAwait(false);
        var changed = new List<TableRule>();
        foreach (var rule in rules)
        {
            if (!onTarget.TryGetValue(rule.Target.Quoted, out var there) || !onSource.TryGetValue(rule.SourceTable, out var here))
            {
                continue;
            }
            var names = there.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            var columns = here.Where(c => !c.Generated && names.Contains(c.Name))
                .Select(c => rule.Columns.FirstOrDefault(old => old.Name == c.Name && old.Type == c.Type)
                    ?? new ColumnDefinition(c.Name, c.Type, "", false, c.JsonType))
                .ToList();
            if (columns.Count == 0 || !rule.Key.All(k => columns.Any(c => c.Name == k))
                || columns.SequenceEqual(rule.Columns))
            {
                // No change, or one the rule cannot follow here (its key went): the rules are built again after the batch.
                continue;
            }
            changed.Add(rule with { Columns = columns });
        }
        return changed;
    }
}
