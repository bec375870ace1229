using System.Text.Json.Nodes;
using OrgDispatch.Cli.Commands;
using OrgDispatch.Document;
using OrgDispatch.Syntax;
using OrgDispatch.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrgDispatch.Tests.Conformance;

/// <summary>
/// Our outline must equal what Emacs's org-element (Org 9.5.5, Emacs 28.2) reports, field for
/// field. Emacs runs in batch mode with Conformance/outline.el, which only translates
/// org-element's own parse tree to JSON.
/// </summary>
public sealed class OrgElementConformanceTests(ITestOutputHelper output)
{
    private static readonly string Referee = Path.Combine(TestEnvironment.RepoRoot, "tests", "OrgDispatch.Tests", "Conformance", "outline.el");

    public static TheoryData<string> CorpusFiles => new(
        "org-manual.org", "org-guide.org", "org-testing-normal.org", "worg-org-faq.org", "worg-org-hacks.org", "worg-org-syntax.org");

    public static TheoryData<string> SpecFiles => new(
        Directory.GetFiles(Path.Combine(TestEnvironment.SpecsDirectory, "Conformance"), "*.org").Select(Path.GetFileName).Order()!);

    [RequiresTheory(Requirements.Emacs, Requirements.Corpus)]
    [MemberData(nameof(CorpusFiles))]
    public void Corpus_file_matches_org_element(string name) =>
        AssertMatchesOrgElement(Path.Combine(TestEnvironment.CorpusDirectory!, name));

    [RequiresTheory(Requirements.Emacs)]
    [MemberData(nameof(SpecFiles))]
    public void Adversarial_file_matches_org_element(string name) =>
        AssertMatchesOrgElement(Path.Combine(TestEnvironment.SpecsDirectory, "Conformance", name));

    [RequiresFact(Requirements.Emacs)]
    public void Caller_keywords_apply_when_the_file_declares_none()
    {
        using var dir = new TempDirectory();
        string file = dir.File("keywords.org");
        File.WriteAllText(file, "* PENDING a\n* IN_PROGRESS [#B] b :x:\n* DONE c\n* TODO d\n* WAIT e\n");
        AssertMatchesOrgElement(file, "PENDING IN_PROGRESS | DONE", "WAIT(w@/!) | GONE");
    }

    [RequiresFact(Requirements.Emacs, Requirements.Corpus, Requirements.Python)]
    public void Generated_dispatch_file_matches_org_element()
    {
        string text = ProcessRunner.Run("python3", [Path.Combine(TestEnvironment.CorpusDirectory!, "gen_dispatch.py"), "1500", "11"], TimeSpan.FromMinutes(1));
        using var dir = new TempDirectory();
        string file = dir.File("generated.org");
        File.WriteAllText(file, text);
        AssertMatchesOrgElement(file);
    }

    [RequiresFact(Requirements.Emacs, Requirements.Corpus, Requirements.Python)]
    public void Edited_dispatch_file_reads_in_org_element_as_edited()
    {
        string text = ProcessRunner.Run("python3", [Path.Combine(TestEnvironment.CorpusDirectory!, "gen_dispatch.py"), "300", "5"], TimeSpan.FromMinutes(1));
        OrgDocument doc = OrgDocument.Parse(text);
        var editor = doc.Edit();
        var when = new DateTime(2026, 11, 21, 10, 30, 0);
        int edited = 0;
        foreach (OrgHeadline h in doc.Headlines)
        {
            if (h.Level != 1 || h.Index % 7 != 0) continue;
            editor.SetTodoKeyword(h, "DONE").SetClosed(h, when).SetProperty(h, "CLAIMED_BY", "agent-" + h.Index)
                  .AddLogbookEntry(h, "State \"DONE\"       from \"PENDING\"     " + OrgEditor.FormatInactive(when));
            edited++;
        }
        OrgDocument result = editor.Apply();
        using var dir = new TempDirectory();
        string file = dir.File("edited.org");
        File.WriteAllBytes(file, result.ToArray());
        Assert.True(edited > 10);
        AssertMatchesOrgElement(file);
    }

    private void AssertMatchesOrgElement(string file, params string[] sequences)
    {
        using var dir = new TempDirectory();
        string refJson = dir.File("org-element.json");
        ProcessRunner.Run("emacs", ["-Q", "--batch", "-l", Referee, file, refJson, .. sequences], TimeSpan.FromMinutes(3));
        var expected = JsonNode.Parse(File.ReadAllText(refJson))!.AsArray();

        var options = sequences.Length == 0 ? null : new OrgSyntaxOptions { TodoKeywords = TodoKeywordSet.Parse(sequences) };
        var writer = new StringWriter();
        OutlineCommand.WriteJson(OrgDocument.Parse(File.ReadAllBytes(file), options), writer);
        var actual = JsonNode.Parse(writer.ToString())!.AsArray();

        var diffs = new List<string>();
        if (expected.Count != actual.Count) diffs.Add($"headline count: org-element {expected.Count}, ours {actual.Count}");
        for (int i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            var e = expected[i]!.AsObject();
            var a = actual[i]!.AsObject();
            foreach (var (key, value) in e)
            {
                if (!JsonNode.DeepEquals(value, a[key])) diffs.Add($"line {e["line"]}: {key}: org-element {value?.ToJsonString() ?? "null"}, ours {a[key]?.ToJsonString() ?? "null"}");
            }
            if (a.Count != e.Count) diffs.Add($"line {e["line"]}: field count {a.Count} vs {e.Count}");
        }
        output.WriteLine($"{Path.GetFileName(file)}: {expected.Count} headlines compared, {diffs.Count} differences");
        Assert.True(diffs.Count == 0, string.Join('\n', diffs.Take(40)));
        Assert.NotEmpty(expected);
    }
}
