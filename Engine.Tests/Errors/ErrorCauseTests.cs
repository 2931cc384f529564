using Ferry.Engine.Errors;

namespace Ferry.Engine.Tests.Errors;

/// <summary>What groups errors: the parts of a message that change between retries are taken out, names are kept.</summary>
public sealed class ErrorCauseTests
{
    [Theory]
    [InlineData("duplicate key value violates unique constraint \"k\"", "duplicate key value violates unique constraint \"k\"")]
    [InlineData("Timeout during reading attempt after 30 s to 10.0.0.7", "Timeout during reading attempt after ? s to ?.?")]
    [InlineData("value 'abc''d' is not valid  for\ttype", "value ? is not valid for type")]
    [InlineData("relation \"t1\" does not exist", "relation \"t1\" does not exist")]
    public void Normalise_KeepsNames_AndReplacesValuesAndNumbers(string message, string cause) =>
        Assert.Equal(cause, ErrorCause.Normalise(message));

    [Fact]
    public void Normalise_GivesOneCause_ForRetriesOfOneError() =>
        Assert.Equal(ErrorCause.Normalise("canceling statement due to lock timeout after 1200 ms"),
            ErrorCause.Normalise("canceling statement due to lock timeout after 987 ms"));
}
