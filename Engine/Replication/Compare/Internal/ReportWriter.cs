using Ferry.Engine.Compare;
using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Replication.Compare.Internal;

/// <summary>
/// Stores a running compare's differing rows as they come (one chunk worker at a time) and its progress at most once a second,
/// so that the portal's progress bar moves and memory stays bounded. Differences past the limit are counted, not stored.
/// </summary>
internal sealed class ReportWriter(IDbContextFactory<ControlDbContext> contexts, int reportId, int limit, TimeProvider time)
    : ICompareSink, IProgress<CompareProgress>
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CompareProgress? _latest;
    private long _savedAt;

    public int Kept { get; private set; }

    public async Task AddAsync(IReadOnlyList<RowDifference> differences, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var take = Math.Min(differences.Count, limit - Kept);
            if (take <= 0)
            {
                return;
            }
            await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            context.CompareDifferences.AddRange(differences.Take(take).Select(d => new CompareDifference
            {
                ReportId = reportId,
                Kind = d.Kind.ToString(),
                Key = [.. d.Key],
                Columns = [.. d.Columns],
                SourceRow = d.SourceRow is null ? null : [.. d.SourceRow],
                TargetRow = d.TargetRow is null ? null : [.. d.TargetRow],
            }));
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            Kept += take;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Report(CompareProgress value) => Interlocked.Exchange(ref _latest, value);

    /// <summary>Saves the latest progress when a second has passed since the last save.</summary>
    public async Task SaveProgressAsync(CancellationToken cancellationToken)
    {
        if (_latest is not { } progress || time.GetElapsedTime(_savedAt) < ProgressEvery)
        {
            return;
        }
        _savedAt = time.GetTimestamp();
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await context.CompareReports.Where(r => r.Id == reportId).ExecuteUpdateAsync(u => u
            .SetProperty(r => r.ChunksDone, progress.ChunksDone)
            .SetProperty(r => r.ChunksEstimated, progress.ChunksEstimated), cancellationToken).ConfigureAwait(false);
    }
}
