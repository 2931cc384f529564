namespace Ferry.Engine.Compare;

/// <summary>A compare could not start (a table still copying, the subscription not reaching the tick); nothing was changed.</summary>
public sealed class CompareRefusedException(string message) : Exception(message);
