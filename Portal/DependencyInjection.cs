using Ferry.Engine.Control;
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
    /// <summary>Cookie logins with ASP.NET Core Identity on the control database; roles Viewer, Operator, Admin; lockout.</summary>
    public static IServiceCollection AddPortalIdentity(this IServiceCollection services)
    {
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(PortalCookie.Configure);

        var authorization = services.AddAuthorizationBuilder();
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
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ControlDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

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
                    // days keep their fetch alive instead of being handed to another worker after the invisibility timeout.
                    EnableLongPolling = true,
                    UseSlidingInvisibilityTimeout = true,
                }));

        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        if (jobs.RunServer)
        {
            services.AddHangfireServer(options => options.WorkerCount = jobs.WorkerCount);
        }
        services.AddTransient<NodeHealthProbeJob>();
        services.AddReplicationJobs(jobs.RunServer);
        services.AddScoped<JobRequests>();

        services.AddHealthChecks()
            .AddCheck<ControlDatabaseHealthCheck>("control-database")
            .AddCheck<JobStorageHealthCheck>("job-storage");
        return services;
    }

    /// <summary>Blazor Server with MudBlazor.</summary>
    public static IServiceCollection AddPortalUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        return services;
    }
}
