using System.Text.Json.Nodes;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tree;
using Xunit.Abstractions;

namespace OrgDispatch.Tests.Conformance;

/// <summary>
/// The whole tree, elements and objects, must equal what org-element-parse-buffer builds (Org
/// 9.5.5, Emacs 28.2): node for node, types, positions as Emacs counts them, and the properties
/// Conformance/tree.el prints. Each run reports agreement per node type.
/// </summary>
public sealed class TreeConformanceTests(ITestOutputHelper output)
{
    private static readonly string Referee = Path.Combine(TestEnvironment.RepoRoot, "tests", "OrgDispatch.Tests", "Conformance", "tree.el");

    public static TheoryData<string> CorpusFiles => OrgElementConformanceTests.CorpusFiles;

    // Our own adversarial files: the element and object specs, and the line-level conformance files.
    public static TheoryData<string> SpecFiles => new(
        new[] { "Tree", "Conformance" }
            .SelectMany(dir => Directory.GetFiles(Path.Combine(TestEnvironment.SpecsDirectory, dir), "*.org"))
            .Select(path => Path.GetRelativePath(TestEnvironment.SpecsDirectory, path))
            .Order());

    [RequiresTheory(Requirements.Emacs, Requirements.Corpus)]
    [MemberData(nameof(CorpusFiles))]
    public void Corpus_file_tree_matches_org_element(string name) =>
        AssertTreeMatches(Path.Combine(TestEnvironment.CorpusDirectory!, name));

    [RequiresTheory(Requirements.Emacs)]
    [MemberData(nameof(SpecFiles))]
    public void Adversarial_file_tree_matches_org_element(string name) =>
        AssertTreeMatches(Path.Combine(TestEnvironment.SpecsDirectory, name));

    [RequiresFact(Requirements.Emacs, Requirements.Corpus, Requirements.Python)]
    public void Generated_dispatch_file_tree_matches_org_element()
    {
        string text = ProcessRunner.Run("python3", [Path.Combine(TestEnvironment.CorpusDirectory!, "gen_dispatch.py"), "400", "7"], TimeSpan.FromMinutes(1));
        using var dir = new TempDirectory();
        string file = dir.File("generated.org");
        File.WriteAllText(file, text);
        AssertTreeMatches(file);
    }

    [Fact]
    public void The_comparison_finds_a_changed_position_a_property_and_a_missing_node()
    {
        var expected = JsonNode.Parse("""
            {"type":"paragraph","begin":1,"end":9,"contents_begin":1,"contents_end":9,"post_blank":0,"properties":{},
             "children":[{"type":"bold","begin":1,"end":6,"contents_begin":2,"contents_end":5,"post_blank":1,"properties":{},"children":[{"type":"plain-text","value":"abc"}]},
                         {"type":"plain-text","value":"x\n"}]}
            """)!;
        var actual = expected.DeepClone();
        actual["children"]![0]!["end"] = 7;
        actual["children"]![0]!["properties"]!["extra"] = "ignored";
        actual["children"]![0]!["children"]![0]!["value"] = "abd";
        actual["children"]!.AsArray().RemoveAt(1);
        var comparison = new TreeComparison();
        comparison.Compare(expected, actual, "");
        Assert.Equal(4, comparison.Differences.Count);
        Assert.Contains(comparison.Differences, d => d.Contains("org-element has plain-text, we have nothing", StringComparison.Ordinal));
        Assert.Contains(comparison.Differences, d => d.Contains("end 6 vs 7", StringComparison.Ordinal));
        Assert.Contains(comparison.Differences, d => d.Contains("child count 2 vs 1", StringComparison.Ordinal));
        Assert.Contains(comparison.Differences, d => d.Contains("\"abc\" vs \"abd\"", StringComparison.Ordinal));
        Assert.Equal((0, 1), comparison.Agreement["bold"]);

        var same = new TreeComparison();
        same.Compare(expected, expected.DeepClone(), "");
        Assert.Empty(same.Differences);
        Assert.Equal(4, same.Agreement.Values.Sum(v => v.Agreed));
    }

    private void AssertTreeMatches(string file)
    {
        using var dir = new TempDirectory();
        string refJson = dir.File("org-element.json");
        ProcessRunner.Run("emacs", ["-Q", "--batch", "-l", Referee, file, refJson], TimeSpan.FromMinutes(5));
        JsonNode expected = JsonNode.Parse(File.ReadAllText(refJson))!;
        JsonNode actual = JsonNode.Parse(OrgTreeJson.ToJson(OrgTree.Parse(File.ReadAllBytes(file))))!;

        var comparison = new TreeComparison();
        comparison.Compare(expected, actual, "");
        int nodes = comparison.Agreement.Values.Sum(v => v.Total);
        output.WriteLine($"{Path.GetFileName(file)}: {nodes} nodes, {comparison.Differences.Count} differences");
        foreach (var (type, (agreed, total)) in comparison.Agreement.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            output.WriteLine($"  {type}: {agreed}/{total}");
        Assert.True(comparison.Differences.Count == 0, string.Join('\n', comparison.Differences.Take(30)));
        Assert.True(nodes > 1, "the referee's tree is empty");
    }

    /// <summary>Compares two trees as tree.el and <see cref="OrgTreeJson"/> print them: every field
    /// org-element gives is checked (our extra fields are not), plain text by its value, secondary
    /// strings (title, tag) as node lists.</summary>
    internal sealed class TreeComparison
    {
        private static readonly string[] Positions = ["begin", "end", "contents_begin", "contents_end", "post_blank"];

        public List<string> Differences { get; } = [];

        public Dictionary<string, (int Agreed, int Total)> Agreement { get; } = [];

        public void Compare(JsonNode expected, JsonNode? actual, string path)
        {
            string type = (string)expected["type"]!;
            int before = Differences.Count;
            if (actual is null || (string?)actual["type"] != type)
            {
                Differences.Add($"{path}: org-element has {type}, we have {(string?)actual?["type"] ?? "nothing"}");
                Count(type, false);
                return;
            }
            if (type == "plain-text")
            {
                string e = (string)expected["value"]!, a = (string)actual["value"]!;
                if (e != a) Differences.Add($"{path}: plain text {Quote(e)} vs {Quote(a)}");
                Count(type, e == a);
                return;
            }
            string here = $"{path}/{type}@{expected["begin"]}";
            foreach (string field in Positions)
            {
                if (!JsonNode.DeepEquals(expected[field], actual[field])) Differences.Add($"{here}: {field} {expected[field]?.ToJsonString() ?? "null"} vs {actual[field]?.ToJsonString() ?? "null"}");
            }
            JsonObject ep = expected["properties"]!.AsObject(), ap = actual["properties"]!.AsObject();
            foreach (var (key, value) in ep)
            {
                if (key is "title" or "tag" && value is JsonArray objects && ap[key] is JsonArray ours)
                {
                    CompareChildren(objects, ours, $"{here}.{key}");
                    continue;
                }
                if (!ap.ContainsKey(key)) Differences.Add($"{here}: property {key} missing");
                else if (!JsonNode.DeepEquals(value, ap[key])) Differences.Add($"{here}: property {key} {value?.ToJsonString() ?? "null"} vs {ap[key]?.ToJsonString() ?? "null"}");
            }
            bool agreed = Differences.Count == before;
            CompareChildren(expected["children"]!.AsArray(), actual["children"]!.AsArray(), here);
            Count(type, agreed);
        }

        private void CompareChildren(JsonArray expected, JsonArray actual, string path)
        {
            if (expected.Count != actual.Count)
            {
                Differences.Add($"{path}: child count {expected.Count} vs {actual.Count}: "
                    + $"[{string.Join(' ', expected.Select(c => (string?)c!["type"]))}] vs [{string.Join(' ', actual.Select(c => (string?)c!["type"]))}]");
            }
            for (int i = 0; i < expected.Count; i++) Compare(expected[i]!, i < actual.Count ? actual[i] : null, path);
        }

        private void Count(string type, bool agreed)
        {
            var (a, t) = Agreement.GetValueOrDefault(type);
            Agreement[type] = (a + (agreed ? 1 : 0), t + 1);
        }

        private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s.Length > 120 ? s[..120] + "…" : s);
    }
}
