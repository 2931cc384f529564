using Ferry.Portal.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Ferry.Portal.Tests.Replication;

/// <summary>
/// The real portal (Program.cs) with its Hangfire servers ON, so replication runs inside it as in production. Two
/// instances with the same control database and the same key-encryption key (in <c>keysDirectory</c>) are the same
/// installation started twice (node passwords stay readable across the restart).
/// </summary>
public sealed class ReplicationPortalFactory(string controlConnectionString, string keysDirectory) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Control", controlConnectionString);
        builder.UseSetting("Jobs:RunServer", "true");
        // The key-encryption key of the key ring in the control database, and no folder of old keys to import.
        builder.UseSetting("DataProtection:KeyEncryptionKeyFile", Path.Combine(keysDirectory, "key-encryption-key"));
        builder.UseSetting("DataProtection:KeysDirectory", Path.Combine(keysDirectory, "keys"));
        builder.UseSetting("FERRY_ADMIN_USER", PortalFactory.AdminUser);
        builder.UseSetting("FERRY_ADMIN_PASSWORD", PortalFactory.AdminPassword);
        builder.UseSetting("Replication:InitialBackoff", "00:00:00.200");
        builder.UseSetting("Replication:ControlPollInterval", "00:00:00.300");
        builder.UseSetting("Replication:LockWait", "00:00:01");
        builder.UseEnvironment("Development");
    }
}
