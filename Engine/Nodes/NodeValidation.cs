using Ferry.Engine.Control;

namespace Ferry.Engine.Nodes;

/// <summary>The rules a node's fields must meet; the portal's form shows the same messages before it submits.</summary>
public static class NodeValidation
{
    /// <summary>PostgreSQL's identifier limit, and the control database's column size for name, database and user.</summary>
    public const int MaxNameLength = 63;

    public static string? NameError(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "Enter a name for the node."
        : name.Trim().Length > MaxNameLength ? $"The name is longer than {MaxNameLength} characters."
        : null;

    public static string? HostError(string? host) =>
        string.IsNullOrWhiteSpace(host) ? "Enter the host name or IP address of the PostgreSQL server."
        : host.Trim().Length > 255 ? "The host is longer than 255 characters."
        : host.Trim().Any(char.IsWhiteSpace) ? "The host cannot contain spaces."
        : null;

    public static string? PortError(int port) =>
        port is < 1 or > 65535 ? $"Port {port} is not a TCP port: use 1 to 65535 (PostgreSQL's default is 5432)." : null;

    public static string? DatabaseError(string? database) =>
        string.IsNullOrWhiteSpace(database) ? "Enter the database name."
        : database.Trim().Length > MaxNameLength ? $"The database name is longer than {MaxNameLength} characters."
        : null;

    public static string? UserNameError(string? userName) =>
        string.IsNullOrWhiteSpace(userName) ? "Enter the PostgreSQL user Ferry connects as."
        : userName.Trim().Length > MaxNameLength ? $"The user name is longer than {MaxNameLength} characters."
        : null;

    /// <summary>Trims the fields, or throws <see cref="RequestRefusedException"/> with every problem found.</summary>
    public static NodeInput Validate(NodeInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string?[] errors =
        [
            NameError(input.Name), HostError(input.Host), PortError(input.Port), DatabaseError(input.Database), UserNameError(input.UserName),
            Rules.TargetSchemas.Error(input.TargetSchemas),
        ];
        var found = errors.Where(e => e is not null).ToList();
        if (found.Count > 0)
        {
            throw new RequestRefusedException(string.Join(" ", found));
        }
        return input with
        {
            Name = input.Name.Trim(),
            Host = input.Host.Trim(),
            Database = input.Database.Trim(),
            UserName = input.UserName.Trim(),
        };
    }
}
