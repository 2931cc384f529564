using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Apply.Internal;

/// <summary>The words an apply error is kept and reported in (docs/decisions/ADR-017-error-history.md).</summary>
internal static class ErrorReports
{
    /// <summary>Ferry's message with the server's SQLSTATE and detail, as the target state and the logs keep it.</summary>
    public static string Describe(Exception error) => error is ApplyException { InnerException: PostgresException server }
        ? $"{error.Message} (SQLSTATE {server.SqlState}{(server.Detail is null ? "" : ", " + server.Detail)})"
        : error.Message;

    /// <summary>The report of <paramref name="error"/>, met on <paramref name="failed"/> (when known) in the batch of <paramref name="tick"/>.</summary>
    public static ApplyErrorReport Of(
        Exception error, QueueEvent? failed, long? tick, bool transient, IReadOnlyDictionary<string, TableRule> rules, ApplyErrorEnding ending)
    {
        var server = Server(error);
        var table = failed?.Table;
        IReadOnlyList<string> key = table is not null && rules.TryGetValue(table, out var rule) ? rule.Key : [];
        return new ApplyErrorReport(
            table, tick, transient, Describe(error), server?.MessageText ?? Innermost(error).Message, server?.SqlState, server?.Detail,
            failed, key, ending);
    }

    private static PostgresException? Server(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is PostgresException server)
            {
                return server;
            }
        }
        return null;
    }

    private static Exception Innermost(Exception error) => error is ApplyException { InnerException: { } inner } ? Innermost(inner) : error;
}
