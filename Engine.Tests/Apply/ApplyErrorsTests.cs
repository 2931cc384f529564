using Ferry.Engine.Apply;
using Npgsql;

namespace Ferry.Engine.Tests.Apply;

public sealed class ApplyErrorsTests
{
    [Theory]
    [InlineData(PostgresErrorCodes.SerializationFailure, true)]
    [InlineData(PostgresErrorCodes.DeadlockDetected, true)]
    [InlineData(PostgresErrorCodes.AdminShutdown, true)]
    [InlineData(PostgresErrorCodes.CannotConnectNow, true)]
    [InlineData(PostgresErrorCodes.ConnectionFailure, true)]
    [InlineData(PostgresErrorCodes.TooManyConnections, true)]
    [InlineData(PostgresErrorCodes.LockNotAvailable, true)]
    [InlineData(PostgresErrorCodes.UndefinedColumn, false)]
    [InlineData(PostgresErrorCodes.UniqueViolation, false)]
    [InlineData(PostgresErrorCodes.CheckViolation, false)]
    [InlineData(PostgresErrorCodes.InvalidTextRepresentation, false)]
    [InlineData(PostgresErrorCodes.InsufficientPrivilege, false)]
    public void IsTransient_ClassifiesBySqlState(string sqlState, bool transient)
    {
        var server = new PostgresException("m", "ERROR", "ERROR", sqlState);
        Assert.Equal(transient, ApplyErrors.IsTransient(server));
        Assert.Equal(transient, ApplyErrors.IsTransient(new ApplyException("wrapped", null, server)));
    }

    [Fact]
    public void IsTransient_TreatsLostConnectionsAsTransient_AndBugsAsPermanent()
    {
        Assert.True(ApplyErrors.IsTransient(new NpgsqlException("broken", new IOException())));
        Assert.True(ApplyErrors.IsTransient(new TimeoutException()));
        Assert.False(ApplyErrors.IsTransient(new InvalidOperationException()));
        Assert.False(ApplyErrors.IsTransient(new ApplyException("no key value")));
    }
}
