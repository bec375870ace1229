using System.Text.RegularExpressions;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests;

/// <summary>The library's parts depend on each other one way only, as docs/architecture.md draws them.</summary>
public sealed partial class ArchitectureTests
{
    // Folder → the parts it may use. Keep in step with the table in docs/architecture.md.
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Text"] = [],
        ["Syntax"] = ["Text"],
        ["Document"] = ["Syntax", "Text"],
        ["Tree"] = ["Syntax", "Text"],
        ["Rendering"] = ["Tree", "Syntax", "Text"],
        ["Queue"] = ["Document", "Syntax", "Text"],
        ["Stores"] = ["Queue", "Document", "Syntax", "Text"],
        ["Lisp"] = [],
        ["Framing"] = ["Text"],
        ["Emacs"] = ["Queue", "Document", "Syntax", "Text", "Lisp", "Framing"],
        ["Hub"] = ["Queue", "Document", "Syntax", "Text", "Lisp", "Framing"],
        ["Connection"] = ["Queue", "Stores", "Emacs", "Hub", "Lisp", "Document", "Syntax", "Text", "Framing"],
    };

    private static string Library => Path.Combine(TestEnvironment.RepoRoot, "src", "OrgDispatch");

    [Fact]
    public void Every_folder_of_the_library_is_a_known_part()
    {
        string[] folders = Directory.GetDirectories(Library).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).ToArray()!;
        Assert.Equal(Allowed.Keys.Order(), folders.Order());
    }

    [Fact]
    public void Each_part_uses_only_the_parts_its_arrows_allow()
    {
        var wrong = new List<string>();
        foreach (var (part, allowed) in Allowed)
        {
            foreach (string file in Directory.GetFiles(Path.Combine(Library, part), "*.cs", SearchOption.AllDirectories))
            {
                string text = File.ReadAllText(file);
                foreach (string used in Uses(text).Distinct())
                {
                    if (used != part && Allowed.ContainsKey(used) && !allowed.Contains(used))
                        wrong.Add($"{Path.GetRelativePath(Library, file)} uses {used}");
                }
            }
        }
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void The_composition_root_s_types_are_used_only_by_the_composition_root()
    {
        // Types in the root namespace (DispatchConnection, ...) need no using, so look for their names.
        string[] rootTypes = typeof(DispatchConnection).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "OrgDispatch").Select(t => t.Name).ToArray();
        Assert.Contains("DispatchConnection", rootTypes);
        var wrong = new List<string>();
        foreach (string file in Directory.GetFiles(Library, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(Library, file);
            if (relative.StartsWith("Connection", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal)) continue;
            string text = File.ReadAllText(file);
            wrong.AddRange(rootTypes.Where(t => Regex.IsMatch(text, $@"\b{t}\b")).Select(t => $"{relative} uses {t}"));
        }
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void The_check_sees_a_using_a_qualified_name_a_partly_qualified_name_and_a_cref()
    {
        Assert.Equal(["Hub", "Emacs", "Lisp", "Stores"], Uses("""
            using OrgDispatch.Hub;
            var x = new OrgDispatch.Emacs.EmacsServerClient();
            var y = Lisp.Sexp.Nil; var z = System.Text.Encoding.UTF8;
            /// <see cref="Stores.FileDispatchStore"/>
            """));
    }

    // A part is used through a using directive, a qualified name, a name qualified from a parent
    // namespace (Hub.HubClient), or a cref that names its namespace.
    private static IEnumerable<string> Uses(string source)
    {
        foreach (Match m in QualifiedPattern().Matches(source)) yield return m.Groups["part"].Value;
        foreach (Match m in PartlyQualifiedPattern().Matches(source))
        {
            if (Allowed.ContainsKey(m.Groups["part"].Value)) yield return m.Groups["part"].Value;
        }
    }

    [GeneratedRegex(@"\bOrgDispatch\.(?<part>[A-Z][A-Za-z]+)\b")]
    private static partial Regex QualifiedPattern();

    // "Part.Type" not preceded by a dot or a word (so not System.Text.X or connection.Queue.Y).
    [GeneratedRegex(@"(?<![\w.])(?<part>[A-Z][A-Za-z]+)\.[A-Z]")]
    private static partial Regex PartlyQualifiedPattern();
}
