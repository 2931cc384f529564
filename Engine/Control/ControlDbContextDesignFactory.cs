using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Ferry.Engine.Control;

/// <summary>
/// Gives <c>dotnet ef</c> a context without running the portal (which would start the embedded cluster). The tool does
/// not connect for <c>migrations add</c>; for <c>database update</c> pass <c>--connection</c>.
/// </summary>
internal sealed class ControlDbContextDesignFactory : IDesignTimeDbContextFactory<ControlDbContext>
{
    public ControlDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<ControlDbContext>();
        ControlDbContext.Configure(builder, "Host=127.0.0.1;Database=ferry_control;Username=postgres");
        return new ControlDbContext(builder.Options);
    }
}
