using Ferry.Engine.Rules;

namespace Ferry.Engine.Copy;

/// <summary>Runs table copies with at most <see cref="CopyOptions.MaxConcurrentCopies"/> at a time; the others wait their turn.</summary>
public sealed class CopyScheduler(TableCopy copy, CopyOptions options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.MaxConcurrentCopies));

    /// <summary>Copies one table once a slot is free.</summary>
    public async Task<CopyResult> CopyAsync(TableRule rule, IProgress<CopyProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copy);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await copy.CopyAsync(rule, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Copies all tables, at most N at a time; fails with the first error after the others have ended.</summary>
    public async Task<IReadOnlyList<CopyResult>> CopyAllAsync(
        IEnumerable<TableRule> rules, IProgress<CopyProgress>? progress, CancellationToken cancellationToken) =>
        await Task.WhenAll(rules.Select(r => CopyAsync(r, progress, cancellationToken))).ConfigureAwait(false);

    public void Dispose() => _slots.Dispose();
}
