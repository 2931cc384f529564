namespace Ferry.Engine.Apply.Handlers;

/// <summary>What a handler did with a batch.</summary>
/// <param name="Events">Events read.</param>
/// <param name="ReplicaRole">
/// Whether <c>session_replication_role = replica</c> was set (target triggers and foreign keys did not fire). False when the
/// role lacks the right: it needs superuser, or on PostgreSQL 15+ <c>GRANT SET ON PARAMETER session_replication_role</c>.
/// </param>
/// <param name="Chunks">
/// How many chunks a folding handler wrote the events in, each within <see cref="ApplyOptions"/>' limits (1 for a batch
/// that fits them, 0 when nothing was written); 0 for a handler that writes event by event.
/// </param>
public readonly record struct HandlerResult(int Events, bool ReplicaRole, int Chunks = 0);
