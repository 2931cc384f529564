using System.Security.Cryptography;
using System.Text;
using Ferry.Engine.LocalServer;

namespace Ferry.Portal.Hosting;

/// <summary>
/// The portal's own folder: the embedded cluster (<c>cluster/</c>), its superuser password file, the Data Protection keys
/// that encrypt node passwords (<c>keys/</c>) and the demo credentials. <c>FERRY_DATA</c> (or <c>Portal:DataDirectory</c>)
/// names it; otherwise <c>.ferry/</c> in the checkout (git-ignored).
/// </summary>
public static class FerryDataDirectory
{
    public const string FallbackRoot = "/var/lib/ferry";

    /// <summary>The folder the user asked for, or the default one in the checkout (or the home folder outside a checkout).</summary>
    public static string Preferred(IConfiguration configuration)
    {
        if (configuration["FERRY_DATA"] is { Length: > 0 } explicitFolder)
        {
            return Path.GetFullPath(explicitFolder);
        }
        if (configuration["Portal:DataDirectory"] is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }
        if (CheckoutRoot.Find() is { } checkout)
        {
            return Path.Combine(checkout, ".ferry");
        }
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "ferry");
    }

    /// <summary>True when the user named the folder (then it is used as is, never replaced by the fallback).</summary>
    public static bool IsExplicit(IConfiguration configuration) =>
        configuration["FERRY_DATA"] is { Length: > 0 } || configuration["Portal:DataDirectory"] is { Length: > 0 };

    /// <summary>
    /// Where the data goes when the server user cannot reach <paramref name="preferred"/> (root with a checkout under
    /// /root): a folder under /var/lib/ferry named after the preferred path, so each checkout keeps its own.
    /// </summary>
    public static string Fallback(string preferred)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(preferred)))[..12];
        return Path.Combine(FallbackRoot, "portal-" + hash);
    }
}
