namespace Ferry.Engine.Replication;

/// <summary>
/// Starts a loop now rather than at the supervisor's next round (a new or resumed subscription, a new set). The portal
/// implements it with Hangfire; starting a loop that already runs is harmless (the second runner finds the lock taken).
/// </summary>
public interface IReplicationLoopStarter
{
    void StartTicker(int setId);

    void StartApply(int subscriptionId);
}
