namespace Ferry.Portal.Hosting;

public static partial class ControlDatabaseHosting
{
    /// <summary>
    /// Uses <c>ConnectionStrings:Control</c> when set; otherwise starts (or reuses) the embedded cluster, sets the
    /// connection string to its control database, stops it with the portal, and with <c>--demo</c> creates the demo
    /// databases and the demo set once, and runs the seed workload (see <see cref="Demo"/>). Also sets up the Data Protection
    /// key ring (see <see cref="KeyRingDependencyInjection.AddFerryKeyRing"/>).
    /// </summary>
    public static async Task AddControlDatabaseAsync(this WebApplicationBuilder builder, PortalCommandLine commandLine)
    {
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .AddConfiguration(builder.Configuration.GetSection("Logging"))
            .AddConsole());
        var logger = loggerFactory.CreateLogger("Ferry.Portal.Hosting");

        string dataRoot;
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Control")))
        {
            var embedded = await EmbeddedCluster.StartAsync(builder.Configuration, logger, CancellationToken.None);
            builder.Configuration["ConnectionStrings:Control"] = embedded.ControlConnectionString;
            builder.Services.AddSingleton(embedded);
            builder.Services.AddHostedService<EmbeddedClusterLifetime>();
            if (commandLine.Demo)
            {
                var created = await embedded.CreateDemoOnceAsync(builder.Configuration.GetValue("Demo:Users", 200_000), CancellationToken.None);
                builder.Services.AddDemo(embedded, created, builder.Configuration);
            }
            dataRoot = embedded.DataRoot;
        }
        else
        {
            if (commandLine.Demo)
            {
                LogDemoIgnored(logger);
            }
            dataRoot = FerryDataDirectory.Preferred(builder.Configuration);
        }

        builder.Services.AddSingleton(new PortalDataFolder(dataRoot));
        // Data Protection keys (node passwords, cookies, tokens) in the control database, shared by every portal process, encrypted
        // with the key-encryption key kept in the data folder (docs/decisions/ADR-008-shared-key-ring-and-loop-takeover.md).
        builder.Services.AddFerryKeyRing(builder.Configuration, dataRoot);
    }

    [LoggerMessage(2010, LogLevel.Warning, "--demo is ignored: ConnectionStrings:Control points at an existing PostgreSQL")]
    private static partial void LogDemoIgnored(ILogger logger);
}
