namespace Ferry.Portal.Hosting;

/// <summary>
/// The portal's own switches, taken out of the arguments before the host sees them; everything else is host
/// configuration (<c>--port 5050</c>, <c>--ConnectionStrings:Control "…"</c>, <c>--urls …</c>).
/// </summary>
/// <param name="Demo"><c>--demo</c>: also create the seed scenario's databases in the embedded cluster (once).</param>
public sealed record PortalCommandLine(bool Demo, string[] HostArgs)
{
    public static PortalCommandLine Parse(string[] args) =>
        new(args.Contains("--demo", StringComparer.Ordinal), [.. args.Where(a => a != "--demo")]);
}
