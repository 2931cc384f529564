using System.Globalization;
using Ferry.Engine.Control;
using Ferry.Engine.Replication.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Replication;

/// <summary>
/// Listens on the control database for <see cref="ReplicationChanges.Channel"/> and hands each notification to
/// <see cref="ReplicationChanges"/>; reconnects after a lost connection (views may miss changes meanwhile, and catch up on
/// the next one).
/// </summary>
public sealed class ReplicationChangeListener(
    IDbContextFactory<ControlDbContext> contexts, ReplicationChanges changes, TimeProvider time, ILogger<ReplicationChangeListener> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string control;
        await using (var context = await contexts.CreateDbContextAsync(stoppingToken).ConfigureAwait(false))
        {
            control = context.Database.GetConnectionString()!;
        }
        var builder = new NpgsqlConnectionStringBuilder(control) { ApplicationName = "ferry-changes", KeepAlive = 30 };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, e) =>
                {
                    if (int.TryParse(e.Payload, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
                    {
                        changes.Raise(id);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {ReplicationChanges.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }
                while (true)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.ChangeListenerFailed(e);
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
