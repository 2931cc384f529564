namespace Ferry.Engine.Drift;

/// <summary>
/// A replicated table's source no longer has the shape its rule was built for. Either the table stops (in state error, its
/// events kept on the target until the operator fixes the target and retries it), or the rule only needs building again,
/// after <see cref="TargetDdl"/> has run on the target (the target fits already, or the rule adds missing columns itself).
/// </summary>
public sealed class DriftException : Exception
{
    public DriftException(string table, bool stop, string message, IReadOnlyList<string>? targetDdl = null) : base(message)
    {
        Table = table;
        Stop = stop;
        TargetDdl = targetDdl ?? [];
    }

    public DriftException()
    {
        Table = "";
        TargetDdl = [];
    }

    public DriftException(string message) : base(message)
    {
        Table = "";
        TargetDdl = [];
    }

    public DriftException(string message, Exception innerException) : base(message, innerException)
    {
        Table = "";
        TargetDdl = [];
    }

    /// <summary>The source table as events name it.</summary>
    public string Table { get; }

    /// <summary>True: stop the table with <see cref="Exception.Message"/>. False: run <see cref="TargetDdl"/>, then rebuild the rules.</summary>
    public bool Stop { get; }

    /// <summary>Statements to run on the target before the rules are built again (in one transaction).</summary>
    public IReadOnlyList<string> TargetDdl { get; }
}
