namespace Ferry.Engine.Apply;

/// <summary>
/// Where an <see cref="ApplyLoop"/> reports every error it meets and when a failing batch or table passes again (the error
/// history, docs/decisions/ADR-017-error-history.md). An implementation never throws: the history must not stop replication.
/// </summary>
public interface IApplyErrorJournal
{
    /// <summary>One error, transient or permanent, with what the loop did about it.</summary>
    Task FailedAsync(ApplyErrorReport report, CancellationToken cancellationToken);

    /// <summary>
    /// A batch committed after errors: <paramref name="tables"/> are the retried tables whose kept events it applied; empty
    /// when it is the subscription's batch that passed after transient errors.
    /// </summary>
    Task PassedAsync(IReadOnlyCollection<string> tables, CancellationToken cancellationToken);
}
