namespace Ferry.Engine.Nodes;

/// <summary>
/// What "test connection" found. When <see cref="Connected"/> is false, <see cref="Message"/> says why (wrong password,
/// unreachable host, missing database) and the versions are unknown.
/// </summary>
/// <param name="InstalledSchemaVersion">The version of Ferry's <c>ferry</c> schema in the database, 0 when none.</param>
/// <param name="LatestSchemaVersion">The newest schema version this engine installs.</param>
public sealed record NodeCheck(
    bool Connected,
    string? ServerVersion,
    int InstalledSchemaVersion,
    int LatestSchemaVersion,
    string Message)
{
    /// <summary>True when the database holds an older schema than the engine's (or none): install / upgrade applies.</summary>
    public bool NeedsInstall => Connected && InstalledSchemaVersion < LatestSchemaVersion;
}
