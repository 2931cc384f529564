using System.Net;
using Ferry.Portal.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Ferry.Portal.Tests.Walkthrough;

/// <summary>
/// The real portal on real Kestrel with its Hangfire servers ON (the loops replicate inside it, as in production), for a
/// browser to walk through.
/// </summary>
public sealed class WalkthroughPortal : WebApplicationFactory<Program>
{
    private readonly string _controlConnectionString;
    private readonly string _keysDirectory = Path.Combine(Path.GetTempPath(), $"ferry-walk-keys-{Guid.NewGuid():N}");

    public WalkthroughPortal(string controlConnectionString)
    {
        _controlConnectionString = controlConnectionString;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    public Uri BaseAddress => ClientOptions.BaseAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Control", _controlConnectionString);
        builder.UseSetting("Jobs:RunServer", "true");
        // The key-encryption key of the key ring in the control database, and no folder of old keys to import.
        builder.UseSetting("DataProtection:KeyEncryptionKeyFile", Path.Combine(_keysDirectory, "key-encryption-key"));
        builder.UseSetting("DataProtection:KeysDirectory", Path.Combine(_keysDirectory, "keys"));
        builder.UseSetting("FERRY_ADMIN_USER", PortalFactory.AdminUser);
        builder.UseSetting("FERRY_ADMIN_PASSWORD", PortalFactory.AdminPassword);
        builder.UseSetting("Replication:InitialBackoff", "00:00:00.200");
        builder.UseSetting("Replication:ControlPollInterval", "00:00:00.300");
        builder.UseSetting("Replication:LockWait", "00:00:01");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseEnvironment("Development");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_keysDirectory))
        {
            Directory.Delete(_keysDirectory, recursive: true);
        }
    }
}
