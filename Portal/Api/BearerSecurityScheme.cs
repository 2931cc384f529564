using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Ferry.Portal.Api;

/// <summary>Tells OpenAPI clients that the API takes a bearer token (from <c>POST /api/auth/token</c> or the portal).</summary>
internal sealed class BearerSecurityScheme : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Ferry API";
        document.Info.Description =
            "Get a token with POST /api/auth/token (or in the portal under API token) and send it as 'Authorization: Bearer <token>'. " +
            "Errors are RFC 7807 problem details whose 'detail' says what to fix.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A Ferry API token",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
        return Task.CompletedTask;
    }
}
