namespace Ferry.Engine.Control;

/// <summary>How an <see cref="ErrorGroup"/> ended, or that it has not (docs/decisions/ADR-017-error-history.md).</summary>
public enum ErrorStatus
{
    /// <summary>Transient: the loop retries by itself.</summary>
    Retrying,

    /// <summary>Permanent: the table or subscription stopped and waits for an operator.</summary>
    Failing,

    /// <summary>An operator retried it; it passes once the next batch applies.</summary>
    RetryRequested,

    /// <summary>Retried (by the loop or an operator) and passed.</summary>
    Passed,

    /// <summary>An operator skipped the failing event; the table then needs a compare.</summary>
    Skipped,

    /// <summary>An operator resynced the table.</summary>
    Resynced,
}
