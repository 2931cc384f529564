using Ferry.Engine.Control;
using Npgsql;

namespace Ferry.Engine.Replication.Internal;

/// <summary>Work on a node for a user's request: a node that cannot be reached is a refusal that names it.</summary>
internal static class NodeReachability
{
    public static Task OnNodeAsync(Node node, Func<Task> work) => OnNodeAsync(node, async () =>
    {
        await work().ConfigureAwait(false);
        return true;
    });

    /// <summary>Runs work on a node; a node that cannot be reached is refused with its name (nothing was changed there).</summary>
    public static async Task<T> OnNodeAsync<T>(Node node, Func<Task<T>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            throw Unreachable(node.Name, e);
        }
    }

    /// <summary>A node that did not answer: the refusal says which, and what to check.</summary>
    public static ReplicationRefusedException Unreachable(string node, Exception e) =>
        new($"Node '{node}' did not answer ({e.Message}): check that it runs and that its connection settings are right.", e);
}
