namespace Ferry.Engine.Apply;

/// <summary>What an <see cref="ApplyLoop"/> did about an error it met.</summary>
public enum ApplyErrorEnding
{
    /// <summary>A transient error: the batch is tried again after a backoff.</summary>
    Retrying,

    /// <summary>A permanent error of one table: that table stopped in error (its events kept), the others go on.</summary>
    TableStopped,

    /// <summary>A permanent error no single table could be blamed for: the subscription stopped in error.</summary>
    SubscriptionStopped,
}
