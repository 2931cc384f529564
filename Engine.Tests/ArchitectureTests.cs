using System.Text.RegularExpressions;

namespace Ferry.Engine.Tests;

/// <summary>
/// The engine's folders as docs/architecture.md draws them, read from the sources: every engine file's <c>using</c> lines and
/// qualified names (<c>Ferry.Engine.X.</c>, or <c>X.</c> for a folder X) make a graph of the top-level folders, which must
/// have no cycle, and no file may use another folder's <c>Internal</c> namespace. Files at the engine's root (the composition
/// root, <c>DependencyInjection.cs</c>) wire every folder and are left out; comments are left out too.
/// </summary>
public sealed partial class ArchitectureTests
{
    /// <summary>
    /// Cycles tolerated for now, each the folders of one cycle, sorted: none. An entry must say why it is there, and one that
    /// no longer occurs fails the test, so the list cannot outlive its cycles.
    /// </summary>
    private static readonly string[][] KnownCycles =
    [
    ];

    /// <summary>
    /// Uses of another folder's <c>Internal</c> tolerated for now ("user folder -> Internal namespace"): none; kept like
    /// <see cref="KnownCycles"/>.
    /// </summary>
    private static readonly string[] KnownInternalUses =
    [
    ];

    /// <summary>Engine files tolerated above <see cref="MaxLines"/> for now: none; kept like <see cref="KnownCycles"/>.</summary>
    private static readonly string[] KnownLongFiles =
    [
    ];

    /// <summary>Lines an engine file may have (generated migrations aside).</summary>
    private const int MaxLines = 300;

    private static readonly string Root = FindRoot();

    [Fact]
    public void EngineFolders_FormNoCycle()
    {
        var graph = EngineGraph();

        var cycles = StronglyConnected(graph.Keys, f => graph[f].Keys)
            .Where(c => c.Count > 1).Select(c => c.Order(StringComparer.Ordinal).ToArray()).ToList();

        var unexpected = cycles.Where(c => !KnownCycles.Any(k => k.SequenceEqual(c))).ToList();
        Assert.True(unexpected.Count == 0, "Engine folders depend on each other in a cycle (docs/architecture.md):\n"
            + string.Join("\n", unexpected.Select(c => Describe(c, graph))));
        var gone = KnownCycles.Where(k => !cycles.Any(c => c.SequenceEqual(k))).ToList();
        Assert.True(gone.Count == 0, "These cycles are gone: remove them from ArchitectureTests.KnownCycles: "
            + string.Join(", ", gone.Select(k => string.Join(" <-> ", k))));
    }

    [Fact]
    public void EngineFiles_UseNoOtherFoldersInternal()
    {
        var uses = EngineFiles()
            .SelectMany(file => References(file).Select(r => InternalNamespace().Match(r)).Where(m => m.Success)
                .Select(m => (File: file, Internal: m.Value)))
            .Where(u => !IsOwnedBy(u.File, u.Internal))
            .ToList();

        var unexpected = uses.Where(u => !KnownInternalUses.Contains($"{Folder(u.File)} -> {u.Internal}", StringComparer.Ordinal)).ToList();
        Assert.True(unexpected.Count == 0, "An Internal namespace is private to its folder (docs/architecture.md):\n"
            + string.Join("\n", unexpected.Select(u => $"{Relative(u.File)} uses {u.Internal}").Distinct(StringComparer.Ordinal)));
        var gone = KnownInternalUses.Where(k => !uses.Any(u => $"{Folder(u.File)} -> {u.Internal}" == k)).ToList();
        Assert.True(gone.Count == 0,
            "These uses are gone: remove them from ArchitectureTests.KnownInternalUses: " + string.Join(", ", gone));
    }

    [Fact]
    public void EngineFiles_HaveAtMost300Lines()
    {
        var sizes = SourceFiles(Path.Combine(Root, "Engine"))
            .Where(file => !Relative(file).Contains("/Migrations/", StringComparison.Ordinal))
            .Select(file => (File: Relative(file), Lines: File.ReadLines(file).Count()))
            .ToList();

        var tooLong = sizes.Where(s => s.Lines > MaxLines && !KnownLongFiles.Contains(s.File, StringComparer.Ordinal)).ToList();
        Assert.True(tooLong.Count == 0, $"Engine files above {MaxLines} lines: split them by concept (docs/architecture.md):\n"
            + string.Join("\n", tooLong.Select(s => $"{s.File}: {s.Lines}")));
        var fixedNow = KnownLongFiles.Where(k => sizes.All(s => s.File != k || s.Lines <= MaxLines)).ToList();
        Assert.True(fixedNow.Count == 0, "These files are short enough now: remove them from ArchitectureTests.KnownLongFiles: "
            + string.Join(", ", fixedNow));
    }

    [Fact]
    public void References_SeeUsingsAliasesStaticsAndQualifiedNames()
    {
        // The reader itself: what counts as a use of another folder, and what does not.
        var text = """
            using Ferry.Engine.Queue;
            using static Ferry.Engine.Replication.Internal.Refusals;
            using RuleState = Ferry.Engine.Rules.TableState;
            // using Ferry.Engine.Copy; a comment is not a use
            /// <see cref="Ferry.Engine.Ticker.TickerLoop"/> neither is a doc comment
            namespace Ferry.Engine.Apply;
            sealed class X(Nodes.NodeDataSources nodes)
            {
                object Y => new Ferry.Engine.Sequences.SequenceSync();
                int Z => context.Nodes.Count;
            }
            """;

        Assert.Equal(
            ["Ferry.Engine.Nodes.NodeDataSources", "Ferry.Engine.Queue", "Ferry.Engine.Replication.Internal.Refusals",
                "Ferry.Engine.Rules.TableState", "Ferry.Engine.Sequences.SequenceSync"],
            References(text, ["Nodes", "Queue", "Copy"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LogEventIds_AreUsedOnce_AcrossEngineAndPortal()
    {
        var ids = new[] { "Engine", "Portal" }
            .SelectMany(project => SourceFiles(Path.Combine(Root, project)))
            .SelectMany(file => LoggerMessageId().Matches(File.ReadAllText(file)).Select(m => (Id: int.Parse(m.Groups[1].Value,
                System.Globalization.CultureInfo.InvariantCulture), File: Relative(file))))
            .ToList();

        Assert.NotEmpty(ids);
        var twice = ids.GroupBy(i => i.Id).Where(g => g.Count() > 1).ToList();
        Assert.True(twice.Count == 0, "Log event ids used more than once (each area has its range, see docs/architecture.md):\n"
            + string.Join("\n", twice.Select(g => $"{g.Key}: {string.Join(", ", g.Select(i => i.File))}")));
    }

    /// <summary>Top-level folder → the folders it uses → the files that use them.</summary>
    private static Dictionary<string, Dictionary<string, SortedSet<string>>> EngineGraph()
    {
        var folders = Folders();
        var graph = folders.ToDictionary(
            f => f, _ => new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var file in EngineFiles())
        {
            var from = Folder(file);
            foreach (var to in References(File.ReadAllText(file), folders).Select(r => r.Split('.')[2]).Distinct(StringComparer.Ordinal))
            {
                if (to != from && graph.ContainsKey(to))
                {
                    if (!graph[from].TryGetValue(to, out var users))
                    {
                        users = graph[from][to] = new SortedSet<string>(StringComparer.Ordinal);
                    }
                    users.Add(Relative(file));
                }
            }
        }
        return graph;
    }

    /// <summary>The <c>Ferry.Engine.*</c> names a source file uses, with comments left out.</summary>
    private static IEnumerable<string> References(string file) => References(File.ReadAllText(file), Folders());

    private static IEnumerable<string> References(string text, IReadOnlyCollection<string> folders)
    {
        // Comments and the file's own namespace are no uses.
        var code = string.Join('\n', text.Split('\n').Select(line => line.TrimStart())
            .Where(line => !line.StartsWith("//", StringComparison.Ordinal) && !line.StartsWith("namespace ", StringComparison.Ordinal)));
        foreach (Match match in QualifiedName().Matches(code))
        {
            yield return match.Value.TrimEnd('.');
        }
        // A name qualified from inside Ferry.Engine: "Nodes.NodeDataSources" in Ferry.Engine.Replication.
        var relative = new Regex(@"(?<![\w.])(?:" + string.Join('|', folders.Select(Regex.Escape)) + @")(?:\.[A-Z]\w*)+");
        foreach (Match match in relative.Matches(QualifiedName().Replace(code, "")))
        {
            yield return "Ferry.Engine." + match.Value;
        }
    }

    /// <summary>Whether <paramref name="file"/> lives in the folder that owns the Internal namespace (or below it).</summary>
    private static bool IsOwnedBy(string file, string internalNamespace)
    {
        var owner = internalNamespace["Ferry.Engine.".Length..^".Internal".Length].Replace('.', '/');
        var folder = Path.GetRelativePath(Path.Combine(Root, "Engine"), Path.GetDirectoryName(file)!).Replace('\\', '/');
        return folder == owner || folder.StartsWith(owner + "/", StringComparison.Ordinal);
    }

    private static string Describe(string[] cycle, Dictionary<string, Dictionary<string, SortedSet<string>>> graph) =>
        string.Join("\n", cycle.SelectMany(from => graph[from].Where(e => cycle.Contains(e.Key))
            .Select(e => $"  {from} -> {e.Key}: {string.Join(", ", e.Value)}")));

    /// <summary>Tarjan's strongly connected components: a component of two folders or more is a cycle.</summary>
    private static List<List<string>> StronglyConnected(IEnumerable<string> nodes, Func<string, IEnumerable<string>> next)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<List<string>>();
        foreach (var node in nodes)
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }
        return components;

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var to in next(node))
            {
                if (!index.ContainsKey(to))
                {
                    Visit(to);
                    low[node] = Math.Min(low[node], low[to]);
                }
                else if (onStack.Contains(to))
                {
                    low[node] = Math.Min(low[node], index[to]);
                }
            }
            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                components.Add(component);
            }
        }
    }

    private static string[] Folders() =>
        [.. Directory.GetDirectories(Path.Combine(Root, "Engine")).Select(Path.GetFileName).OfType<string>()
            .Where(name => name is not ("bin" or "obj")).Order(StringComparer.Ordinal)];

    /// <summary>Engine source files inside a folder (the root's files wire every folder and are left out).</summary>
    private static IEnumerable<string> EngineFiles() =>
        SourceFiles(Path.Combine(Root, "Engine")).Where(file => Path.GetDirectoryName(file) != Path.Combine(Root, "Engine"));

    private static IEnumerable<string> SourceFiles(string project) =>
        Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories)
            .Where(file => !Relative(file).Split('/').Any(part => part is "bin" or "obj"));

    private static string Folder(string file) => Relative(file).Split('/')[1];

    private static string Relative(string file) => Path.GetRelativePath(Root, file).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Portal.sln above {AppContext.BaseDirectory}: the tests read the sources of the checkout.");
    }

    [GeneratedRegex(@"\bFerry\.Engine(?:\.[A-Z]\w*)+\.?")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"^Ferry\.Engine(?:\.\w+)*?\.Internal(?=\.|$)")]
    private static partial Regex InternalNamespace();

    [GeneratedRegex(@"\[LoggerMessage\(\s*(?:EventId\s*=\s*)?(\d+)")]
    private static partial Regex LoggerMessageId();
}
