namespace Ferry.Portal.Jobs;

/// <summary>Hangfire queues of the replication jobs.</summary>
public static class ReplicationQueues
{
    /// <summary>The long-running loops (tickers, apply loops), served by a Hangfire server of their own.</summary>
    public const string Loops = "ferry-loops";
}
