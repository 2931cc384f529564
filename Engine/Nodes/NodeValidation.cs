using System.Text.RegularExpressions;
using Ferry.Engine.Control;

namespace Ferry.Engine.Nodes;

/// <summary>The rules a node's fields must meet; the portal's form shows the same messages before it submits.</summary>
public static partial class NodeValidation
{
    /// <summary>PostgreSQL's identifier limit, and the control database's column size for database and user.</summary>
    public const int MaxNameLength = 63;

    /// <summary>
    /// A node's name goes into consumer names on the root's queue and into messages, like a set's name: the same rule
    /// (lower-case letters, digits, underscores, starting with a letter, at most 50).
    /// </summary>
    public static string? NameError(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "Enter a name for the node."
        : !NodeName().IsMatch(name.Trim()) ?
            $"'{Shown(name.Trim())}' is not a valid node name: use 1 to 50 lower-case letters, digits and underscores, starting with a letter."
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

    /// <summary>
    /// The stored password goes only to the server it was saved for: when <paramref name="input"/> changes the host, port,
    /// database or user of <paramref name="stored"/> and brings no password, it must be entered again.
    /// </summary>
    /// <returns>The message to show, or null when the password may stay empty.</returns>
    public static string? PasswordAgainError(NodeView? stored, NodeInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (stored is null || !stored.HasPassword || !string.IsNullOrEmpty(input.Password))
        {
            return null;
        }
        var changed = new List<string>();
        if (!string.Equals(stored.Host, input.Host?.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            changed.Add("host");
        }
        if (stored.Port != input.Port)
        {
            changed.Add("port");
        }
        if (!string.Equals(stored.Database, input.Database?.Trim(), StringComparison.Ordinal))
        {
            changed.Add("database");
        }
        if (!string.Equals(stored.UserName, input.UserName?.Trim(), StringComparison.Ordinal))
        {
            changed.Add("user");
        }
        return changed.Count == 0
            ? null
            : $"Enter the password again: the {string.Join(" and ", changed)} changed, and Ferry sends the stored password only to "
                + "the server it was saved for.";
    }

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

    /// <summary>A refused name as the message quotes it: at most 60 characters, control characters as '?'.</summary>
    private static string Shown(string name)
    {
        var shown = new string([.. name.Take(60).Select(c => char.IsControl(c) ? '?' : c)]);
        return name.Length > 60 ? shown + "…" : shown;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,49}$")]
    private static partial Regex NodeName();
}
