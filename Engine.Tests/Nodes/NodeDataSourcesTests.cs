using Ferry.Engine.Control;
using Ferry.Engine.LocalServer;
using Ferry.Engine.Nodes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Engine.Tests.Nodes;

/// <summary>
/// The one owner of node connections against a cluster that checks passwords (scram-sha-256; the shared test clusters trust
/// loopback, so a wrong password would go unseen there): a changed password is used on the next call, the replaced data
/// source is disposed once no lease holds it, and the container disposes every data source.
/// </summary>
public sealed class NodeDataSourcesTests : IAsyncLifetime
{
    private const string Role = "ferry_node";

    private readonly NodePasswordProtector _passwords = new(new EphemeralDataProtectionProvider());
    private LocalCluster _cluster = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var installation = PostgresBinaries.Require(15);
        _cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), $"ferry-test-scram-{Guid.NewGuid():N}"),
            Installation = installation,
            SuperuserPassword = "superuser-secret",
            Temporary = true,
            Unsafe = true,
        });
        await ExecuteAsync($"CREATE ROLE {Role} LOGIN PASSWORD 'first'");
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Open_UsesAChangedPassword_OnTheNextCall_AndDisposesTheReplacedSource()
    {
        await using var nodes = new NodeDataSources(_passwords);
        var node = Node("first");
        NpgsqlDataSource first;
        await using (var lease = nodes.Open(node, "ferry-test"))
        {
            first = lease.DataSource;
            Assert.Equal(Role, await CurrentUserAsync(lease));
        }
        await using (var again = nodes.Open(node, "ferry-test"))
        {
            Assert.Same(first, again.DataSource); // unchanged settings: the same data source, its pool kept
        }

        await ExecuteAsync($"ALTER ROLE {Role} PASSWORD 'second'");
        node.ProtectedPassword = _passwords.Protect("second");

        await using (var lease = nodes.Open(node, "ferry-test"))
        {
            Assert.NotSame(first, lease.DataSource);
            Assert.Equal(Role, await CurrentUserAsync(lease)); // a new connection: it logged in with the new password
        }
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await first.OpenConnectionAsync(Token));
        // The server does check passwords: the old one is refused now.
        await using var stale = nodes.CreateForCheck(Node("first"), "ferry-test", 5);
        var refused = await Assert.ThrowsAsync<PostgresException>(async () => await stale.OpenConnectionAsync(Token));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
    }

    [Fact]
    public async Task Open_KeepsAReplacedSource_UntilItsLastLeaseIsReturned()
    {
        await using var nodes = new NodeDataSources(_passwords);
        var node = Node("first");
        var held = nodes.Open(node, "ferry-test");
        var other = nodes.Open(node, "ferry-other");
        Assert.NotSame(held.DataSource, other.DataSource); // one data source per application name
        await other.DisposeAsync();

        node.Database = "template1"; // a changed setting (the database, here)
        await using (var lease = nodes.Open(node, "ferry-test"))
        {
            Assert.NotSame(held.DataSource, lease.DataSource);
            Assert.Equal("template1", await ScalarAsync<string>(lease, "SELECT current_database()"));
        }
        // A loop holding the replaced data source keeps working on it until it lets go.
        Assert.Equal("postgres", await ScalarAsync<string>(held, "SELECT current_database()"));
        var replaced = held.DataSource;
        await held.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await replaced.OpenConnectionAsync(Token));

        // A node changed or deleted in this process is forgotten at once.
        NpgsqlDataSource forgotten;
        await using (var lease = nodes.Open(node, "ferry-test"))
        {
            forgotten = lease.DataSource;
        }
        nodes.Forget(node.Id);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await forgotten.OpenConnectionAsync(Token));
    }

    [Fact]
    public async Task Container_DisposesEveryDataSource_WhenItIsDisposed()
    {
        foreach (var synchronously in new[] { false, true })
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Control"] = "Host=127.0.0.1;Database=ferry_never_opened",
            }).Build();
            var services = new ServiceCollection().AddLogging().AddFerryEngine(configuration).BuildServiceProvider();
            var nodes = services.GetRequiredService<NodeDataSources>();
            Assert.Same(nodes, services.GetRequiredService<NodeDataSources>());
            var node = Node("first", protector: services.GetRequiredService<NodePasswordProtector>());
            NpgsqlDataSource source;
            await using (var lease = nodes.Open(node, "ferry-test"))
            {
                source = lease.DataSource;
                Assert.Equal(Role, await CurrentUserAsync(lease));
            }

            if (synchronously)
            {
                services.Dispose();
            }
            else
            {
                await services.DisposeAsync();
            }

            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await source.OpenConnectionAsync(Token));
            Assert.Throws<ObjectDisposedException>(() => nodes.Open(node, "ferry-test"));
        }
    }

    private Node Node(string password, NodePasswordProtector? protector = null) => new()
    {
        Id = 1,
        Name = "scram",
        Host = "127.0.0.1",
        Port = _cluster.Port,
        Database = "postgres",
        UserName = Role,
        ProtectedPassword = (protector ?? _passwords).Protect(password),
        SslMode = SslMode.Disable,
    };

    private static Task<string> CurrentUserAsync(NodeDataSource lease) => ScalarAsync<string>(lease, "SELECT current_user::text");

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Token))!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var source = NpgsqlDataSource.Create(_cluster.ConnectionString());
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Token);
    }
}
