namespace Ferry.Engine.LocalServer;

/// <summary>Finds the folder holding <c>Portal.sln</c> above the running program (the checkout), if there is one.</summary>
public static class CheckoutRoot
{
    public static string? Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        return null;
    }
}
