using Ferry.Engine.Rules;

namespace Ferry.Engine.Copy;

/// <summary>Runs table copies with at most <see cref="CopyOptions.MaxConcurrentCopies"/> at a time; the others wait their turn.</summary>
public sealed class CopyScheduler(TableCopy copy, CopyOptions options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.MaxConcurrentCopies));

    /// <summary>Copies one table once a slot is free.</summary>
    public Task<CopyResult> CopyAsync(TableRule rule, IProgress<CopyProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copy);
        return RunAsync(token => copy.CopyAsync(rule, progress, token), cancellationToken);
    }

    /// <summary>Copies all tables, at most N at a time; fails with the first error after the others have ended.</summary>
    public async Task<IReadOnlyList<CopyResult>> CopyAllAsync(
        IEnumerable<TableRule> rules, IProgress<CopyProgress>? progress, CancellationToken cancellationToken) =>
        await Task.WhenAll(rules.Select(r => CopyAsync(r, progress, cancellationToken))).ConfigureAwait(false);

    /// <summary>Runs one unit of copy work in a slot.</summary>
    internal async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
