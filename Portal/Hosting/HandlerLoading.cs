using Ferry.Engine.Apply.Handlers;

namespace Ferry.Portal.Hosting;

/// <summary>Loads the .NET handlers of <c>Handlers:Folder</c> at startup (docs/handlers.md, docs/decisions/ADR-019-handlers.md).</summary>
internal static class HandlerLoading
{
    /// <summary>
    /// Loads every handler assembly of the folder (relative to the content root, the checkout for <c>./ferry</c>) before the
    /// loops start, so that a rule naming one finds it; without a folder setting, nothing.
    /// </summary>
    public static void LoadHandlers(this WebApplication app)
    {
        var folder = app.Configuration["Handlers:Folder"];
        if (string.IsNullOrWhiteSpace(folder))
        {
            return;
        }
        HandlerAssemblies.Load(Path.GetFullPath(folder, app.Environment.ContentRootPath),
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ferry.Handlers"));
    }
}
