namespace Ferry.Engine.Replication;

/// <summary>Starts nothing: the supervisor (or a test) runs the loops.</summary>
internal sealed class NoLoopStarter : IReplicationLoopStarter
{
    public void StartTicker(int setId)
    {
    }

    public void StartApply(int subscriptionId)
    {
    }
}
