namespace Ferry.Portal.Hosting;

/// <summary>The portal's data folder as chosen at start (see <see cref="FerryDataDirectory"/>; the embedded cluster may move it).</summary>
public sealed record PortalDataFolder(string Path)
{
    /// <summary>The first Admin's generated password, 0600, until that Admin replaces it.</summary>
    public string FirstAdminPasswordFile => System.IO.Path.Combine(Path, "first-admin-password");
}
