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
    public void The_check_sees_a_using_a_qualified_name_and_a_cref()
    {
        Assert.Equal(["Hub", "Emacs", "Stores"], Uses("using OrgDispatch.Hub;\nvar x = new OrgDispatch.Emacs.EmacsServerClient();\n/// <see cref=\"Stores.FileDispatchStore\"/>"));
    }

    // A part is used through a using directive, a qualified name, or a cref that names its namespace.
    private static IEnumerable<string> Uses(string source)
    {
        foreach (Match m in QualifiedPattern().Matches(source)) yield return m.Groups["part"].Value;
        foreach (Match m in CrefPattern().Matches(source)) yield return m.Groups["part"].Value;
    }

    [GeneratedRegex(@"\bOrgDispatch\.(?<part>[A-Z][A-Za-z]+)\b")]
    private static partial Regex QualifiedPattern();

    [GeneratedRegex(@"cref=""(?<part>[A-Z][A-Za-z]+)\.")]
    private static partial Regex CrefPattern();
}
