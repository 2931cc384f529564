using Ferry.Engine.Queue;
using Ferry.Engine.Target;

namespace Ferry.Engine.Tests.Target;

public sealed class CopyHandoverTests
{
    // The copy saw every transaction below 100 except 97 and 99, and none from 105 on; 100-104 had committed.
    private static readonly TxidSnapshot s_copy = TxidSnapshot.Parse("97:105:97,99");

    [Theory]
    [InlineData(50, HandoverAction.Skip)]
    [InlineData(96, HandoverAction.Skip)]
    [InlineData(97, HandoverAction.Apply)]
    [InlineData(98, HandoverAction.Skip)]
    [InlineData(99, HandoverAction.Apply)]
    [InlineData(104, HandoverAction.Skip)]
    [InlineData(105, HandoverAction.Apply)]
    [InlineData(5000, HandoverAction.Apply)]
    public void Decide_AppliesOnlyTransactionsTheCopyDidNotSee_WhenCatchingUp(long txid, HandoverAction expected) =>
        Assert.Equal(expected, CopyHandover.Decide(TableState.CatchingUp, s_copy, txid));

    [Theory]
    [InlineData(TableState.Ok, HandoverAction.Apply)]
    [InlineData(TableState.Copying, HandoverAction.Keep)]
    [InlineData(TableState.New, HandoverAction.Skip)]
    [InlineData(TableState.Paused, HandoverAction.Skip)]
    [InlineData(TableState.Error, HandoverAction.Keep)]
    public void Decide_DependsOnlyOnState_OutsideCatchingUp(TableState state, HandoverAction expected) =>
        Assert.Equal(expected, CopyHandover.Decide(state, s_copy, 98));

    [Theory]
    [InlineData("104:110:", false)]
    [InlineData("105:110:107", true)]
    [InlineData("120:120:", true)]
    public void IsCaughtUp_OnceABatchStartsPastTheCopysXmax(string batchStart, bool expected) =>
        Assert.Equal(expected, CopyHandover.IsCaughtUp(s_copy, TxidSnapshot.Parse(batchStart)));

    [Fact]
    public void TxidSnapshot_RoundTripsItsText()
    {
        Assert.Equal("97:105:97,99", s_copy.ToString());
        Assert.Equal("10:10:", TxidSnapshot.Parse("10:10:").ToString());
        Assert.Throws<FormatException>(() => TxidSnapshot.Parse("10:10"));
    }
}
