using System.Security.Claims;
using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Engine.Tests.Replication;

/// <summary>An engine with its control database (fresh, migrated) and a <see cref="TaskLoopHost"/> running its loops.</summary>
internal sealed class ReplicationTestEnvironment : IAsyncDisposable
{
    private ReplicationTestEnvironment(ServiceProvider services, TaskLoopHost loops, string control)
    {
        Services = services;
        Loops = loops;
        ControlConnectionString = control;
    }

    public string ControlConnectionString { get; }

    public ServiceProvider Services { get; }

    public TaskLoopHost Loops { get; }

    public static ClaimsPrincipal User(string name, string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], "test"));

    public static async Task<ReplicationTestEnvironment> StartAsync(
        string controlConnectionString, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Control"] = controlConnectionString,
            ["Replication:InitialBackoff"] = "00:00:00.200",
            ["Replication:ControlPollInterval"] = "00:00:00.300",
            ["Replication:LockWait"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var loops = new TaskLoopHost();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddSingleton<Ferry.Engine.Replication.IReplicationLoopStarter>(loops)
            .AddFerryEngine(configuration)
            .BuildServiceProvider();
        loops.Services = services;
        await services.GetRequiredService<ControlDatabaseInitializer>().InitializeAsync(cancellationToken);
        return new ReplicationTestEnvironment(services, loops, controlConnectionString);
    }

    /// <summary>
    /// Adds a node (what an Admin does in the portal) from a connection string and, unless <paramref name="installFerry"/> is
    /// false, installs Ferry there as the Admin's Install does (an Operator's set or subscription needs it); returns its id.
    /// </summary>
    public async Task<int> AddNodeAsync(string name, string connectionString, CancellationToken cancellationToken, bool installFerry = true)
    {
        if (installFerry)
        {
            await using var data = NpgsqlDataSource.Create(connectionString);
            await Ferry.Engine.Queue.QueueSchema.InstallAsync(data, cancellationToken);
        }
        var parts = new NpgsqlConnectionStringBuilder(connectionString);
        var node = new Node
        {
            Name = name,
            Host = parts.Host!,
            Port = parts.Port,
            Database = parts.Database!,
            UserName = parts.Username!,
            ProtectedPassword = Services.GetRequiredService<NodePasswordProtector>().Protect(parts.Password),
            SslMode = SslMode.Disable,
        };
        var contexts = Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        context.Nodes.Add(node);
        await context.SaveChangesAsync(cancellationToken);
        return node.Id;
    }

    public async ValueTask DisposeAsync()
    {
        await Loops.DisposeAsync();
        await Services.DisposeAsync();
    }
}
