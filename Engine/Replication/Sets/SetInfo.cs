namespace Ferry.Engine.Replication.Sets;

/// <summary>A replication set as the portal and the API show it.</summary>
public sealed record SetInfo(int Id, string Name, int RootNodeId, string QueueName);
