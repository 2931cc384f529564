using Ferry.Portal.Components;
using Ferry.Portal.Hosting;

var commandLine = PortalCommandLine.Parse(args);
var builder = WebApplication.CreateBuilder(commandLine.HostArgs);
builder.Configuration.AddRootAppSettings();
builder.WebHost.UsePortalAddress(builder.Configuration);
// ./ferry runs the build output, not a published app: serve MudBlazor's and the scoped CSS from the build's manifest
// in every environment, not only in Development.
builder.WebHost.UseStaticWebAssets();

// With no ConnectionStrings:Control, start (or reuse) the embedded local cluster and point the portal at it.
await builder.AddControlDatabaseAsync(commandLine);

builder.Services.AddFerryEngine(builder.Configuration);
builder.Services.AddPortalIdentity();
builder.Services.AddPortalJobs(builder.Configuration);
builder.Services.AddPortalUi();
builder.Services.AddPortalMonitoring();

var app = builder.Build();

// The DBA's .NET handlers (Handlers:Folder), before anything applies a table rule that may name one.
app.LoadHandlers();

// Migrations, roles, the first admin and the recurring jobs, before the first request.
await app.InitializePortalAsync();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
// Before authentication, which reads the control database too: /api answers 503 with problem details when it is down.
app.UsePortalApiErrors();
// Sign-in attempts per client address, before anything reads the database (ADR-013).
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UsePasswordChangeGate();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapPortalHealthChecks();
app.MapPortalMetrics();
app.MapAccountEndpoints();
app.MapPortalApi();
app.MapPortalDownloads();
app.MapJobsDashboard();
app.MapRazorComponents<App>()
    .AddInteractiveServerRenderMode();

await app.RunAsync();
