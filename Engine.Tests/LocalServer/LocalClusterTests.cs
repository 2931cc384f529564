using Ferry.Engine.LocalServer;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.LocalServer;

public sealed class LocalClusterTests
{
    public static TheoryData<int> Majors => [.. TestCluster.Majors];

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task StartAsync_RunsServerOfThatMajor_AndRemoveDeletesIt(int major)
    {
        var cluster = await TestCluster.StartAsync(major, TestContext.Current.CancellationToken);
        try
        {
            Assert.Equal(major, await ServerMajorAsync(cluster));
            Assert.True(await cluster.IsRunningAsync(TestContext.Current.CancellationToken));

            await cluster.StopAsync(TestContext.Current.CancellationToken);
            Assert.False(await cluster.IsRunningAsync(TestContext.Current.CancellationToken));
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => ServerMajorAsync(cluster));
        }
        finally
        {
            await cluster.RemoveAsync(TestContext.Current.CancellationToken);
        }
        Assert.False(Directory.Exists(cluster.DataDirectory));
    }

    [Fact]
    public async Task TwoMajors_RunAtOnce()
    {
        await using var older = await TestCluster.StartAsync(TestCluster.Majors[0], TestContext.Current.CancellationToken);
        await using var newer = await TestCluster.StartAsync(TestCluster.Majors[^1], TestContext.Current.CancellationToken);

        Assert.NotEqual(older.Port, newer.Port);
        Assert.Equal(TestCluster.Majors[0], await ServerMajorAsync(older));
        Assert.Equal(TestCluster.Majors[^1], await ServerMajorAsync(newer));
    }

    [Fact]
    public async Task SecondStart_ReusesDataAndPort()
    {
        var options = new LocalClusterOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), $"ferry-test-reuse-{Guid.NewGuid():N}"),
            SuperuserPassword = "s3cret'\"pw",
            Unsafe = true,
        };
        var first = await LocalCluster.StartAsync(options, TestContext.Current.CancellationToken);
        try
        {
            await using (var connection = new NpgsqlConnection(first.ConnectionString()))
            {
                await connection.OpenAsync(TestContext.Current.CancellationToken);
                await using var create = new NpgsqlCommand("CREATE TABLE kept (id int)", connection);
                await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }
            await first.StopAsync(TestContext.Current.CancellationToken);

            var second = await LocalCluster.StartAsync(options, TestContext.Current.CancellationToken);
            Assert.Equal(first.Port, second.Port);
            await using var again = new NpgsqlConnection(second.ConnectionString());
            await again.OpenAsync(TestContext.Current.CancellationToken);
            await using var count = new NpgsqlCommand("SELECT count(*) FROM kept", again);
            Assert.Equal(0L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }
        finally
        {
            await first.RemoveAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task WrongPassword_IsRefused()
    {
        var options = new LocalClusterOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), $"ferry-test-pw-{Guid.NewGuid():N}"),
            SuperuserPassword = "right",
            Temporary = true,
            Unsafe = true,
        };
        await using var cluster = await LocalCluster.StartAsync(options, TestContext.Current.CancellationToken);
        var wrong = new NpgsqlConnectionStringBuilder(cluster.ConnectionString()) { Password = "wrong" }.ConnectionString;
        await using var connection = new NpgsqlConnection(wrong);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync(TestContext.Current.CancellationToken));
        Assert.Equal("28P01", error.SqlState);
    }

    [Fact]
    public void Require_MissingMajor_SaysHowToInstall()
    {
        var error = Assert.Throws<LocalServerException>(() => PostgresBinaries.Require(7));
        Assert.Contains("install-pg-majors.sh", error.Message, StringComparison.Ordinal);
    }

    private static async Task<int> ServerMajorAsync(LocalCluster cluster)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_setting('server_version_num')::int / 10000", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
