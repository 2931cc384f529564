using Ferry.Engine.Maintenance.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ferry.Engine.Maintenance;

/// <summary>
/// The queue's housekeeping, for recurring jobs: rotation of event tables, re-delivery of retry events, removal of
/// ticks no consumer needs. Each step is its own short transaction and safe to run at any time, from several
/// processes at once (each SQL function locks the queue row or works on rows nobody else changes).
/// </summary>
public sealed class QueueMaintenance(NpgsqlDataSource dataSource, ILogger<QueueMaintenance>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<QueueMaintenance>.Instance;

    /// <summary>
    /// Switches capture to the next event table when the current one has been current for the queue's rotation period,
    /// truncating it first, only when every consumer has passed every event in it.
    /// </summary>
    /// <param name="force">Rotate even if the rotation period has not passed (the consumer check still applies).</param>
    /// <returns>Whether the queue switched tables.</returns>
    public async Task<bool> RotateAsync(string queue, bool force, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT ferry.rotate_tables($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = force });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Moves retry events whose delay has passed back into the queue, for their consumer only.</summary>
    /// <returns>How many events were moved.</returns>
    public Task<int> RequeueRetriesAsync(string queue, CancellationToken cancellationToken) =>
        IntAsync("SELECT ferry.requeue_retries($1)", queue, cancellationToken);

    /// <summary>Deletes the ticks older than every consumer's position (the newest tick always stays).</summary>
    /// <returns>How many ticks were deleted.</returns>
    public Task<int> RemoveTicksAsync(string queue, CancellationToken cancellationToken) =>
        IntAsync("SELECT ferry.remove_ticks($1)", queue, cancellationToken);

    /// <summary>Runs all three steps once.</summary>
    public async Task<MaintenanceResult> RunAsync(string queue, CancellationToken cancellationToken)
    {
        var rotated = await RotateAsync(queue, false, cancellationToken).ConfigureAwait(false);
        var requeued = await RequeueRetriesAsync(queue, cancellationToken).ConfigureAwait(false);
        var ticks = await RemoveTicksAsync(queue, cancellationToken).ConfigureAwait(false);
        _logger.MaintenanceDone(queue, rotated, requeued, ticks);
        return new MaintenanceResult(rotated, requeued, ticks);
    }

    private async Task<int> IntAsync(string sql, string queue, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
