using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Ferry.Portal.Tests.Support;

/// <summary>
/// The real portal (Program.cs) on real Kestrel at a free loopback port, against a control database in a test cluster,
/// with the Hangfire server off and the first Admin taken from the environment settings.
/// </summary>
public sealed class PortalFactory : WebApplicationFactory<Program>
{
    public const string AdminUser = "admin";
    public const string AdminPassword = "Admin-Passw0rd-For-Tests";

    private readonly string _controlConnectionString;
    private readonly string _keysDirectory = Path.Combine(Path.GetTempPath(), $"ferry-portal-keys-{Guid.NewGuid():N}");

    private readonly IReadOnlyDictionary<string, string> _settings;

    /// <param name="settings">Settings over the test defaults (e.g. <c>Security:SignInPermitLimit</c>).</param>
    public PortalFactory(string controlConnectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        _controlConnectionString = controlConnectionString;
        _settings = settings ?? new Dictionary<string, string>();
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>Every message the portal logged (all levels).</summary>
    public CollectingLoggerProvider Logs { get; } = new();

    /// <summary>The portal's address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => ClientOptions.BaseAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Control", _controlConnectionString);
        builder.UseSetting("Jobs:RunServer", "false");
        // The key-encryption key of the key ring in the control database, and no folder of old keys to import.
        builder.UseSetting("DataProtection:KeyEncryptionKeyFile", Path.Combine(_keysDirectory, "key-encryption-key"));
        builder.UseSetting("DataProtection:KeysDirectory", Path.Combine(_keysDirectory, "keys"));
        builder.UseSetting("FERRY_ADMIN_USER", AdminUser);
        builder.UseSetting("FERRY_ADMIN_PASSWORD", AdminPassword);
        builder.UseSetting("urls", "http://127.0.0.1:0");
        // Every test signs in from 127.0.0.1: the per-address limit would throttle the suite. SignInLimitsTests use their own.
        builder.UseSetting("Security:SignInPermitLimit", "100000");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.UseEnvironment("Development");
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
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
