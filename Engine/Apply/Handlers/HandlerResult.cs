namespace Ferry.Engine.Apply.Handlers;

/// <summary>What a handler did with a batch.</summary>
/// <param name="Events">Events read.</param>
/// <param name="ReplicaRole">
/// Whether <c>session_replication_role = replica</c> was set (target triggers and foreign keys did not fire). False when the
/// role lacks the right: it needs superuser, or on PostgreSQL 15+ <c>GRANT SET ON PARAMETER session_replication_role</c>.
/// </param>
public readonly record struct HandlerResult(int Events, bool ReplicaRole);
