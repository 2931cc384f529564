using Ferry.Engine.Target;

namespace Ferry.Engine.Tests.Target;

public sealed class TableStateMachineTests
{
    [Theory]
    [InlineData(TableState.New, TableState.Copying)]
    [InlineData(TableState.Copying, TableState.CatchingUp)]
    [InlineData(TableState.CatchingUp, TableState.Ok)]
    [InlineData(TableState.Ok, TableState.Copying)]
    [InlineData(TableState.Error, TableState.Copying)]
    [InlineData(TableState.Paused, TableState.Copying)]
    [InlineData(TableState.Ok, TableState.Paused)]
    [InlineData(TableState.Ok, TableState.Error)]
    [InlineData(TableState.Copying, TableState.Error)]
    [InlineData(TableState.Error, TableState.CatchingUp)]
    public void Move_Allows_TheDesignedPath(TableState from, TableState to) => Assert.Equal(to, TableStateMachine.Move(from, to));

    [Theory]
    [InlineData(TableState.New, TableState.Ok)]
    [InlineData(TableState.New, TableState.CatchingUp)]
    [InlineData(TableState.Copying, TableState.Ok)]
    [InlineData(TableState.Copying, TableState.Copying)]
    [InlineData(TableState.Paused, TableState.Ok)]
    [InlineData(TableState.Error, TableState.Ok)]
    [InlineData(TableState.Ok, TableState.New)]
    public void Move_Refuses_Shortcuts(TableState from, TableState to)
    {
        var error = Assert.Throws<InvalidOperationException>(() => TableStateMachine.Move(from, to));
        Assert.Contains(TableStateMachine.Text(to), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_AndParse_RoundTrip_EveryState()
    {
        foreach (var state in Enum.GetValues<TableState>())
        {
            Assert.Equal(state, TableStateMachine.Parse(TableStateMachine.Text(state)));
        }
        Assert.Equal("catching-up", TableStateMachine.Text(TableState.CatchingUp));
    }
}
