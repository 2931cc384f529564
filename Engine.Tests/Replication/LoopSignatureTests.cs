using Ferry.Engine.Control;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Target;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// When a subscription runner rebuilds its loop: a table leaving error (a retry) rebuilds it at once, so its rule is built
/// again; a table entering error does not (the other tables' copies go on). docs/decisions/ADR-014-exact-row-encoding.md.
/// </summary>
public sealed class LoopSignatureTests
{
    [Fact]
    public void TableEnteringError_DoesNotRebuild_ButLeavingItLaterDoes()
    {
        var built = LoopSignature.Of(With(TableState.Copying, TableState.Ok));

        Assert.False(built.MustRebuild(LoopSignature.Of(With(TableState.Copying, TableState.Error)), copiesRunning: true));
        Assert.False(built.MustRebuild(LoopSignature.Of(With(TableState.Copying, TableState.Error)), copiesRunning: true));
        Assert.True(built.MustRebuild(LoopSignature.Of(With(TableState.Copying, TableState.CatchingUp)), copiesRunning: true));
    }

    [Fact]
    public void TableInErrorWhenBuilt_RebuildsWhenRetried_AndAChangedRuleAlways()
    {
        var built = LoopSignature.Of(With(TableState.Ok, TableState.Error));

        Assert.False(built.MustRebuild(LoopSignature.Of(With(TableState.Ok, TableState.Error)), copiesRunning: false));
        Assert.True(built.MustRebuild(LoopSignature.Of(With(TableState.Ok, TableState.New)), copiesRunning: true));
        var changed = With(TableState.Ok, TableState.Error);
        changed.Tables[0].AddMissingColumns = true;
        Assert.True(LoopSignature.Of(With(TableState.Ok, TableState.Error)).MustRebuild(LoopSignature.Of(changed), copiesRunning: true));
    }

    private static Subscription With(TableState first, TableState second) => new()
    {
        Id = 1,
        ConsumerName = "c",
        Tables =
        [
            new TableRuleRecord { Id = 1, SourceSchema = "app", SourceTable = "a", TargetSchema = "app", TargetTable = "a", State = first },
            new TableRuleRecord { Id = 2, SourceSchema = "app", SourceTable = "b", TargetSchema = "app", TargetTable = "b", State = second },
        ],
    };
}
