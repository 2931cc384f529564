namespace Ferry.Engine.Target;

/// <summary>The allowed moves between <see cref="TableState"/>s: <c>new → copying → catching-up → ok</c>, pause, error, resync, retry.</summary>
public static class TableStateMachine
{
    /// <summary>Whether a table may move from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool CanMove(TableState from, TableState to) => (from, to) switch
    {
        (TableState.New, TableState.Copying) => true,
        (TableState.Copying, TableState.CatchingUp) => true,
        (TableState.CatchingUp, TableState.Ok) => true,
        // A resync: every state but a running copy goes back to copying. Paused and error tables need one to come back,
        // because events were skipped or not applied while they were there.
        (TableState.CatchingUp or TableState.Ok or TableState.Paused or TableState.Error, TableState.Copying) => true,
        (TableState.New or TableState.Copying or TableState.CatchingUp or TableState.Ok, TableState.Paused) => true,
        (TableState.Copying or TableState.CatchingUp or TableState.Ok, TableState.Error) => true,
        // A retry after the cause of an apply error was fixed: the events kept meanwhile are replayed, then the table is ok.
        (TableState.Error, TableState.CatchingUp) => true,
        _ => false,
    };

    /// <summary>Returns <paramref name="to"/>, or throws when the move is not allowed.</summary>
    public static TableState Move(TableState from, TableState to) => CanMove(from, to)
        ? to
        : throw new InvalidOperationException($"A table cannot go from {Text(from)} to {Text(to)}.");

    /// <summary>
    /// The state as stored and shown: <c>new</c>, <c>copying</c>, <c>catching-up</c>, <c>ok</c>, <c>paused</c>, <c>error</c>.
    /// </summary>
    public static string Text(TableState state) => state switch
    {
        TableState.New => "new",
        TableState.Copying => "copying",
        TableState.CatchingUp => "catching-up",
        TableState.Ok => "ok",
        TableState.Paused => "paused",
        TableState.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    /// <summary>The inverse of <see cref="Text"/>.</summary>
    public static TableState Parse(string text) => text switch
    {
        "new" => TableState.New,
        "copying" => TableState.Copying,
        "catching-up" => TableState.CatchingUp,
        "ok" => TableState.Ok,
        "paused" => TableState.Paused,
        "error" => TableState.Error,
        _ => throw new FormatException($"Unknown table state '{text}'."),
    };
}
