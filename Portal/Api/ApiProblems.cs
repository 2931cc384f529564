using Ferry.Engine.Control;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication;
using Ferry.Engine.Rules;

namespace Ferry.Portal.Api;

/// <summary>
/// Turns the engine's refusals into RFC 7807 problem details with the engine's own message: refused → 400 (409 when it
/// clashes with what exists), access denied → 403, not found → 404; a bad parameter → 400 naming it. What happens before
/// or outside an endpoint (a body that is not JSON, a name taken by a request at the same moment, the control database
/// down) is <see cref="ApiErrors"/>' part.
/// </summary>
/// <remarks>A new engine refusal type gets one line in <see cref="StatusOf"/>.</remarks>
internal sealed class ApiProblems : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ApiParameterException e)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { [e.Parameter] = [e.Message] }, detail: e.Message,
                title: TitleOf(StatusCodes.Status400BadRequest));
        }
        catch (Exception e) when (StatusOf(e) is { } status)
        {
            return TypedResults.Problem(detail: e.Message, statusCode: status, title: TitleOf(status));
        }
    }

    public static int? StatusOf(Exception e) => e switch
    {
        AccessDeniedException => StatusCodes.Status403Forbidden,
        EntityNotFoundException => StatusCodes.Status404NotFound,
        ReplicationRefusedException { Kind: RefusalKind.NotFound } => StatusCodes.Status404NotFound,
        ReplicationRefusedException { Kind: RefusalKind.Conflict } => StatusCodes.Status409Conflict,
        ReplicationRefusedException { Kind: RefusalKind.NeedsAdmin } => StatusCodes.Status403Forbidden,
        ReplicationRefusedException => StatusCodes.Status400BadRequest,
        RequestRefusedException { IsConflict: true } or QueueSchemaException => StatusCodes.Status409Conflict,
        RequestRefusedException or TableRuleException => StatusCodes.Status400BadRequest,
        _ => null,
    };

    internal static string TitleOf(int status) => status switch
    {
        StatusCodes.Status403Forbidden => "Your role does not allow this.",
        StatusCodes.Status404NotFound => "Not found.",
        StatusCodes.Status409Conflict => "Refused: it conflicts with what exists.",
        _ => "Refused: nothing was changed.",
    };
}
