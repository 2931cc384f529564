namespace Ferry.Engine.Replication.Ddl;

/// <summary>A DDL script that ran on the root and was queued for every subscriber.</summary>
/// <param name="SetId">The set.</param>
/// <param name="DdlId">The script's id on the root (<c>ferry.ddl_script</c>).</param>
/// <param name="EventId">Its event's id in the set's queue: its point of the stream.</param>
/// <param name="Statements">How many statements it has.</param>
public sealed record DdlSubmitted(int SetId, long DdlId, long EventId, int Statements);
