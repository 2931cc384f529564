using System.Text.Json.Serialization;
using Ferry.Engine.Control;
using Ferry.Portal.Api;
using Ferry.Portal.Health;
using Ferry.Portal.Jobs;
using Ferry.Portal.Security;
using Ferry.Portal.Users;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using MudBlazor.Services;

namespace Microsoft.Extensions.DependencyInjection;

public static class DependencyInjection
{
    /// <summary>
    /// Cookie logins with ASP.NET Core Identity on the control database; roles Viewer, Operator, Admin; lockout; open
    /// sessions checked against their user every few seconds (<see cref="SecurityOptions"/>).
    /// </summary>
    public static IServiceCollection AddPortalIdentity(this IServiceCollection services)
    {
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // The login cookie is checked against its user as often as circuits are (the default is every 30 minutes).
        services.AddOptions<SecurityStampValidatorOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<SecurityOptions>>((stamp, security) =>
                stamp.ValidationInterval = security.Value.RevalidationInterval);
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieOrBearer;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            // A request with "Authorization: Bearer ..." is an API client; everything else is the browser's cookie.
            .AddPolicyScheme(CookieOrBearer, "Cookie or bearer token", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? IdentityConstants.BearerScheme
                    : IdentityConstants.ApplicationScheme)
            .AddBearerToken(IdentityConstants.BearerScheme, options =>
            {
                options.BearerTokenExpiration = TimeSpan.FromHours(1);
                options.Events.OnMessageReceived = BearerTokenRevalidation.OnMessageReceivedAsync;
            })
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(PortalCookie.Configure);

        var authorization = services.AddAuthorizationBuilder().AddApiPolicy();
        foreach (var role in FerryRoles.All)
        {
            authorization.AddPolicy(role, policy => policy.RequireAuthenticatedUser().RequireRole(FerryRoles.AtLeast(role)));
        }

        services.AddIdentityCore<IdentityUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = false;
                options.User.RequireUniqueEmail = false;
                options.Password.RequiredLength = 10;
                options.Password.RequireNonAlphanumeric = false;
                // Lockout is counted by PortalSignIn per account and client address (ADR-013); Identity keeps the
                // account-wide lock it sets, which the Users page shows and lifts.
                options.Lockout.AllowedForNewUsers = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ControlDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddSingleton<SignInLockout>();
        services.AddScoped<PortalSignIn>();
        services.AddScoped<PasswordChanger>();
        services.AddSignInRateLimit();
        services.AddSingleton<ApiTokenIssuer>();
        services.AddScoped<FirstAdmin>();
        services.AddScoped<UserAdministration>();
        return services;
    }

    /// <summary>
    /// Hangfire on the control database (schema <c>hangfire</c>); the server runs in this process unless
    /// <c>Jobs:RunServer</c> is false (tests); the node health probe as the first recurring job.
    /// </summary>
    public static IServiceCollection AddPortalJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var connectionString = configuration.GetConnectionString("Control")!;
        services.AddHangfire(hangfire => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                options => options.UseNpgsqlConnection(connectionString),
                new PostgreSqlStorageOptions
                {
                    SchemaName = "hangfire",
                    PrepareSchemaIfNecessary = true,
                    // Replication: enqueued loops start at once (LISTEN/NOTIFY, not a 15 s poll), and loops that run for
                    // days keep their fetch alive (every 12 s) instead of being handed to another worker after the
                    // invisibility timeout; a job fetched by a process that died runs again after 1 minute
                    // (docs/decisions/ADR-008-shared-key-ring-and-loop-takeover.md).
                    EnableLongPolling = true,
                    UseSlidingInvisibilityTimeout = true,
                    InvisibilityTimeout = TimeSpan.FromMinutes(1),
                }));

        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        if (jobs.RunServer)
        {
            services.AddHangfireServer(options => options.WorkerCount = jobs.WorkerCount);
        }
        services.AddTransient<NodeHealthProbeJob>();
        services.AddReplicationJobs(jobs.RunServer);
        services.AddScoped<JobRequests>();
        services.AddScoped<CompareRequests>();
        services.AddTransient<ScheduledResyncJob>();
        services.AddSingleton<Ferry.Engine.Schedules.IScheduleRegistry, HangfireScheduleRegistry>();

        services.AddHealthChecks()
            .AddCheck<ControlDatabaseHealthCheck>("control-database")
            .AddCheck<JobStorageHealthCheck>("job-storage");
        return services;
    }

    /// <summary>The portal's two faces: Blazor Server with MudBlazor, and the HTTP API.</summary>
    public static IServiceCollection AddPortalUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddScoped<Ferry.Portal.Components.Shared.Confirmation>();
        services.AddSingleton<Ferry.Portal.Components.Shared.LagClock>();
        services.AddPortalApi();
        return services;
    }

    /// <summary>The HTTP API: camelCase JSON with enums as strings, RFC 7807 problem details, the OpenAPI document.</summary>
    public static IServiceCollection AddPortalApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddProblemDetails();
        // A body or parameter that cannot be read throws, so ApiErrors answers with problem details naming the field instead
        // of a bare 400 (the default outside Development).
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddOpenApi(options => options.AddDocumentTransformer<BearerSecurityScheme>());
        return services;
    }

    /// <summary>The default authentication scheme: forwards to the bearer scheme or the Identity cookie.</summary>
    private const string CookieOrBearer = "Ferry.CookieOrBearer";
}
