namespace Ferry.Engine.Queue;

/// <summary>The <c>ferry</c> schema of a node database cannot be installed or upgraded; the message says why and what to do.</summary>
public sealed class QueueSchemaException(string message) : Exception(message);
