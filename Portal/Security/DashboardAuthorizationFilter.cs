using Ferry.Engine.Control;
using Hangfire.Dashboard;

namespace Ferry.Portal.Security;

/// <summary>The job dashboard is for Admins: Hangfire answers 403 to anyone else (the endpoint also requires the Admin policy).</summary>
internal sealed class DashboardAuthorizationFilter : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => FerryRoles.Allows(context.GetHttpContext().User, FerryRoles.Admin);
}
