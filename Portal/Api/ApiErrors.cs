using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ferry.Portal.Api;

/// <summary>
/// Problem details for what goes wrong under <c>/api</c> outside the engine's refusals (<see cref="ApiProblems"/>): a body
/// or parameter that cannot be read → 400 naming the field (<see cref="BadRequestProblem"/>); a unique name taken by
/// another request at the same moment → 409; the control database (or another database) not answering → 503 with
/// Retry-After, the reason in the log only. Anything else stays a 500: it is a bug.
/// </summary>
/// <remarks>
/// Sits before authentication, which reads the control database too (a bearer token's security stamp). Binding errors
/// reach it because <c>RouteHandlerOptions.ThrowOnBadRequest</c> is on (see <c>AddPortalApi</c>).
/// </remarks>
internal sealed partial class ApiErrors(RequestDelegate next, ILogger<ApiErrors> logger)
{
    /// <summary>What a client is told to wait before trying again when a database does not answer.</summary>
    public const int RetryAfterSeconds = 5;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            await next(context);
            return;
        }
        IResult problem;
        try
        {
            await next(context);
            return;
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var (field, message) = BadRequestProblem.Describe(e);
            LogBadRequest(logger, context.Request.Path, field, message);
            const string title = "The request cannot be read: nothing was changed.";
            problem = e.StatusCode == StatusCodes.Status400BadRequest
                ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, title: title)
                : TypedResults.Problem(detail: message, statusCode: e.StatusCode, title: title);
        }
        catch (Exception e) when (!context.Response.HasStarted && UniqueViolation(e) is { } violation)
        {
            LogUniqueRace(logger, context.Request.Path, violation.TableName, violation.ConstraintName);
            problem = TypedResults.Problem(
                detail: $"Another request created a {EntityOf(violation.TableName)} of the same name at the same moment: nothing was "
                    + "changed by this one. Choose another name, or reload to see the other.",
                statusCode: StatusCodes.Status409Conflict,
                title: ApiProblems.TitleOf(StatusCodes.Status409Conflict));
        }
        catch (Exception e) when (!context.Response.HasStarted && IsUnavailable(e))
        {
            LogUnavailable(logger, e, context.Request.Path);
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            problem = TypedResults.Problem(
                detail: $"A database Ferry needs (the control database, or a node) did not answer. Try again in {RetryAfterSeconds} "
                    + "seconds; the portal's log says which one and why.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Unavailable for a moment.");
        }
        await problem.ExecuteAsync(context);
    }

    /// <summary>A unique index refused a row: two requests created the same name at once (the engine checks before).</summary>
    private static PostgresException? UniqueViolation(Exception e) =>
        Chain(e).OfType<PostgresException>().FirstOrDefault(p => p.SqlState == PostgresErrorCodes.UniqueViolation) is { } unique
            && Chain(e).Any(x => x is DbUpdateException or PostgresException)
            ? unique
            : null;

    /// <summary>
    /// No answer from a database: a connection that failed or broke (NpgsqlException without a server error), a server
    /// that is shutting down, out of connections or cut off (SQLSTATE classes 08, 53, 57P), a timeout.
    /// </summary>
    internal static bool IsUnavailable(Exception e) => Chain(e).Any(x => x switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("53", StringComparison.Ordinal)
            || p.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException => true,
        TimeoutException => true,
        _ => false,
    });

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
        }
    }

    private static string EntityOf(string? table) => table switch
    {
        "nodes" => "node",
        "replication_sets" => "set",
        "subscriptions" => "subscription",
        "table_rules" => "table rule",
        "sequence_rules" => "sequence rule",
        "schedules" => "schedule",
        _ => "row",
    };

    [LoggerMessage(2200, LogLevel.Information, "API request {Path} refused: {Field}: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string path, string field, string reason);

    [LoggerMessage(2201, LogLevel.Information, "API request {Path} lost a race for a unique name ({Table}, {Constraint}): answered 409")]
    private static partial void LogUniqueRace(ILogger logger, string path, string? table, string? constraint);

    [LoggerMessage(2202, LogLevel.Warning, "API request {Path} answered 503: a database did not answer")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string path);
}
