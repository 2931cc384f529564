using Ferry.Engine.Nodes;
using Npgsql;

namespace Ferry.Portal.Components.Pages.Nodes.Components;

/// <summary>The node form's fields. The password is never filled from a saved node: empty means "keep it".</summary>
public sealed class NodeFormModel
{
    public string Name { get; set; } = "";

    public string Host { get; set; } = "";

    public int Port { get; set; } = 5432;

    public string Database { get; set; } = "";

    public string UserName { get; set; } = "";

    public string? Password { get; set; }

    public SslMode SslMode { get; set; } = SslMode.Prefer;

    /// <summary>Schemas table rules may write into on this node, separated by commas; empty allows any.</summary>
    public string TargetSchemas { get; set; } = "";

    public static NodeFormModel From(NodeView node) => new()
    {
        Name = node.Name, Host = node.Host, Port = node.Port, Database = node.Database, UserName = node.UserName, SslMode = node.SslMode,
        TargetSchemas = string.Join(", ", node.TargetSchemas ?? []),
    };

    public static IReadOnlyList<string> SplitSchemas(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    public static string? TargetSchemasError(string? text) => Engine.Rules.TargetSchemas.Error(SplitSchemas(text));

    public NodeInput ToInput() => new(Name, Host, Port, Database, UserName, Password, SslMode, SplitSchemas(TargetSchemas));
}
