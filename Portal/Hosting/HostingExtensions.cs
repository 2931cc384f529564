using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Ferry.Portal.Hosting;

public static class HostingExtensions
{
    public const int DefaultPort = 5000;

    /// <summary>
    /// Adds the solution root's <c>appsettings.json</c> (copied beside the program) as the LOWEST precedence source, so
    /// environment variables, the command line and test settings override what the user wrote there.
    /// </summary>
    public static IConfigurationBuilder AddRootAppSettings(this IConfigurationManager configuration)
    {
        configuration.Sources.Insert(0, new JsonConfigurationSource
        {
            Path = "appsettings.json",
            Optional = true,
            ReloadOnChange = false,
            FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
        });
        return configuration;
    }

    /// <summary>Listens on http://127.0.0.1:&lt;Portal:Port or --port, default 5000&gt; unless <c>urls</c> is set.</summary>
    public static IWebHostBuilder UsePortalAddress(this IWebHostBuilder webHost, IConfiguration configuration)
    {
        if (!string.IsNullOrEmpty(configuration["urls"]))
        {
            return webHost;
        }
        var port = configuration.GetValue<int?>("port") ?? configuration.GetValue<int?>("Portal:Port") ?? DefaultPort;
        return webHost.UseUrls($"http://127.0.0.1:{port}");
    }
}
