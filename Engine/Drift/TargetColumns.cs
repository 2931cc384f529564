using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Drift;

/// <summary>Adds source columns a target table lacks (a rule with <see cref="TableRule.AddMissingColumns"/>).</summary>
public static class TargetColumns
{
    /// <summary>
    /// Adds to <paramref name="target"/> every non-generated column of <paramref name="source"/> it lacks, with the type the
    /// source has and the value existing source rows took (<see cref="DriftCheck.AddColumn"/>), in one target transaction.
    /// Nothing happens when either table does not exist (validation says so).
    /// </summary>
    /// <returns>The names of the columns added.</returns>
    public static async Task<IReadOnlyList<string>> AddMissingAsync(
        NpgsqlDataSource sourceData, NpgsqlDataSource targetData, TableName source, TableName target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var sourceColumns = (await LiveColumns.ReadAsync(sourceData, [source.Quoted], cancellationToken).ConfigureAwait(false))
            .GetValueOrDefault(source.Quoted);
        var targetColumns = (await LiveColumns.ReadAsync(targetData, [target.Quoted], cancellationToken).ConfigureAwait(false))
            .GetValueOrDefault(target.Quoted);
        if (sourceColumns is null || targetColumns is null)
        {
            return [];
        }
        var missing = sourceColumns.Where(c => !c.Generated && targetColumns.All(t => t.Name != c.Name)).ToList();
        if (missing.Count == 0)
        {
            return [];
        }
        await using var connection = await targetData.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var sql in missing.SelectMany(c => DriftCheck.AddColumn(target, c)))
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [.. missing.Select(c => c.Name)];
    }
}
