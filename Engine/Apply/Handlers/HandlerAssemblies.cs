using System.Reflection;
using System.Runtime.Loader;
using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// Loads the .NET handlers of a folder at startup (docs/handlers.md, docs/decisions/ADR-019-handlers.md): every <c>*.dll</c> of
/// the folder (not its sub-folders) in an <see cref="AssemblyLoadContext"/> of its own, its dependencies resolved from its own
/// <c>.deps.json</c> except the ones the portal has (Ferry.Engine, Npgsql, ...), which are shared, so that a handler sees
/// the same <see cref="IChangeHandler"/> type. Each public type implementing it becomes a handler (<see cref="HandlerRegistry.Register"/>).
/// A file that fails to load, or a handler whose name is taken, is logged and left out; the others load.
/// </summary>
public static partial class HandlerAssemblies
{
    /// <summary>Loads the handlers of <paramref name="folder"/> (nothing when it does not exist).</summary>
    /// <returns>The names of the handlers loaded.</returns>
    public static IReadOnlyList<string> Load(string folder, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(logger);
        if (!Directory.Exists(folder))
        {
            NoFolder(logger, folder);
            return [];
        }
        var loaded = new List<string>();
        foreach (var path in Directory.GetFiles(folder, "*.dll").Order(StringComparer.Ordinal))
        {
            try
            {
                var assembly = new HandlerLoadContext(path).LoadFromAssemblyPath(Path.GetFullPath(path));
                var types = assembly.GetExportedTypes()
                    .Where(t => typeof(IChangeHandler).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }
                        && t.GetConstructor(Type.EmptyTypes) is not null);
                foreach (var type in types)
                {
                    var handler = (IChangeHandler)Activator.CreateInstance(type)!;
                    var name = assembly.GetName();
                    HandlerRegistry.Register(new ChangeHandlerKind(handler, name.Name ?? path, name.Version?.ToString() ?? "?"));
                    Loaded(logger, handler.Name, type.FullName ?? type.Name, name.Name ?? path, name.Version?.ToString() ?? "?");
                    loaded.Add(handler.Name);
                }
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException
                                          or TypeLoadException or ArgumentException or MissingMethodException or TargetInvocationException)
            {
                NotLoaded(logger, e, path, e.Message);
            }
        }
        return loaded;
    }

    [LoggerMessage(4100, LogLevel.Information, "Handlers: loaded .NET handler '{Name}' ({Type}) from {Assembly} {Version}")]
    private static partial void Loaded(ILogger logger, string name, string type, string assembly, string version);

    [LoggerMessage(4101, LogLevel.Warning, "Handlers: {Path} was not loaded: {Message}")]
    private static partial void NotLoaded(ILogger logger, Exception exception, string path, string message);

    [LoggerMessage(4102, LogLevel.Information, "Handlers: no folder {Folder}, so no .NET handler is loaded")]
    private static partial void NoFolder(ILogger logger, string folder);

    /// <summary>One handler assembly's context: what the portal has is shared, the rest comes from the handler's folder.</summary>
    private sealed class HandlerLoadContext(string path) : AssemblyLoadContext($"ferry-handler:{Path.GetFileName(path)}")
    {
        private readonly AssemblyDependencyResolver _resolver = new(Path.GetFullPath(path));

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            try
            {
                return Default.LoadFromAssemblyName(assemblyName);
            }
            catch (FileNotFoundException)
            {
                return _resolver.ResolveAssemblyToPath(assemblyName) is { } found ? LoadFromAssemblyPath(found) : null;
            }
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } found ? LoadUnmanagedDllFromPath(found) : IntPtr.Zero;
    }
}
