using OrgDispatch.Syntax;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Syntax;

/// <summary>The element cases in Specs/Elements/*.spec: each Org example must read as the
/// listed token kinds, and its tokens must tile it.</summary>
public sealed class ElementSpecTests
{
    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in Load()) data.Add(c.Name);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reads_as_specified(string name)
    {
        var c = Load().Single(x => x.Name == name);
        var kinds = TokenHelpers.Tokens(c.Text).Select(t => t.Kind).ToList();
        Assert.Equal(c.Expected, kinds);
        TokenHelpers.AssertTiles(System.Text.Encoding.UTF8.GetBytes(c.Text));
    }

    private sealed record SpecCase(string Name, string Text, List<OrgTokenKind> Expected);

    private static List<SpecCase> Load()
    {
        var cases = new List<SpecCase>();
        foreach (string file in Directory.GetFiles(Path.Combine(TestEnvironment.SpecsDirectory, "Elements"), "*.spec"))
        {
            string[] lines = File.ReadAllText(file).Split('\n');
            int i = 0;
            while (i < lines.Length)
            {
                if (!lines[i].StartsWith("=== ", StringComparison.Ordinal)) { i++; continue; }
                string name = lines[i++][4..];
                var text = new System.Text.StringBuilder();
                while (lines[i] != "---")
                {
                    string l = lines[i++];
                    text.Append(l.EndsWith('⏎') ? l[..^1] + "\r\n" : l + "\n");
                }
                i++;
                var expected = new List<OrgTokenKind>();
                while (i < lines.Length && lines[i].Length > 0 && !lines[i].StartsWith("=== ", StringComparison.Ordinal))
                {
                    expected.Add(Enum.Parse<OrgTokenKind>(lines[i++].Trim()));
                }
                cases.Add(new SpecCase(name, text.ToString(), expected));
            }
        }
        return cases;
    }
}
