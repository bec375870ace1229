using System.Text;
using OrgDispatch.Syntax;
using OrgDispatch.Tests.Infrastructure;
using static OrgDispatch.Tests.Syntax.TokenHelpers;

namespace OrgDispatch.Tests.Syntax;

public sealed class ReaderTests
{
    private static readonly OrgSyntaxOptions Dispatch = new() { TodoKeywords = TodoKeywordSet.Parse(["PENDING IN_PROGRESS | DONE"]) };

    [Fact]
    public void Headline_parts()
    {
        byte[] src = Encoding.UTF8.GetBytes("** PENDING [#A] COMMENT Deploy auth   :timmy:allegro:\n");
        var reader = new OrgReader(src, Dispatch);
        Assert.True(reader.Read());
        OrgToken t = reader.Token;
        Assert.Equal(OrgTokenKind.Headline, t.Kind);
        Assert.Equal(2, t.Stars);
        Assert.Equal("PENDING", S(src, t.TodoKeyword));
        Assert.Equal("A", S(src, t.Priority));
        Assert.True(t.IsCommented);
        Assert.Equal("Deploy auth", S(src, t.Title));
        Assert.Equal(":timmy:allegro:", S(src, t.Tags));
        Assert.False(reader.Read());
    }

    [Theory]
    [InlineData("* TODO\n", null, "TODO")]          // the keyword must be followed by a space
    [InlineData("* TODO x\n", "TODO", "x")]
    [InlineData("* todo x\n", null, "todo x")]      // case-sensitive
    [InlineData("* TODO\tx\n", null, "TODO\tx")]    // a tab does not end the keyword
    [InlineData("* DONE  x\n", "DONE", "x")]
    public void Todo_keyword_rules(string line, string? keyword, string title)
    {
        byte[] src = Encoding.UTF8.GetBytes(line);
        var reader = new OrgReader(src);
        reader.Read();
        Assert.Equal(keyword ?? "<none>", S(src, reader.Token.TodoKeyword));
        Assert.Equal(title, S(src, reader.Token.Title));
    }

    [Theory]
    [InlineData("* a :b: :c:", "a :b:", ":c:")]
    [InlineData("* :only:", "", ":only:")]
    [InlineData("* x:y:", "x:y:", "<none>")]
    [InlineData("* t :a.b:", "t :a.b:", "<none>")]
    [InlineData("* t :ünï:", "t", ":ünï:")]
    [InlineData("* t :a::b:\r\n", "t", ":a::b:")]
    public void Tag_rules(string line, string title, string tags)
    {
        byte[] src = Encoding.UTF8.GetBytes(line);
        var reader = new OrgReader(src);
        reader.Read();
        Assert.Equal(title, S(src, reader.Token.Title));
        Assert.Equal(tags, S(src, reader.Token.Tags));
    }

    [Fact]
    public void Property_name_and_value()
    {
        byte[] src = Encoding.UTF8.GetBytes("* H\n:PROPERTIES:\n:ID:       TASK-1  \n:a:b: c d\n:empty:\n:END:\n");
        var props = new List<(string, string)>();
        var reader = new OrgReader(src);
        while (reader.Read())
        {
            if (reader.TokenKind == OrgTokenKind.Property) props.Add((S(src, reader.Token.Name), S(src, reader.Token.Value)));
        }
        Assert.Equal([("ID", "TASK-1"), ("a:b", "c d"), ("empty", "")], props);
    }

    [Fact]
    public void Block_parts()
    {
        byte[] src = Encoding.UTF8.GetBytes("#+begin_src python :results output\nprint(1)\n#+end_src\n");
        var reader = new OrgReader(src);
        reader.Read();
        OrgToken t = reader.Token;
        Assert.Equal(OrgTokenKind.Block, t.Kind);
        Assert.Equal("src", S(src, t.Name));
        Assert.Equal("python :results output", S(src, t.Value));
        Assert.Equal("print(1)\n", S(src, t.Contents));
    }

    [Fact]
    public void List_item_parts()
    {
        byte[] src = Encoding.UTF8.GetBytes("  - [@3] [X] done thing\n");
        var reader = new OrgReader(src);
        reader.Read();
        OrgToken t = reader.Token;
        Assert.Equal(OrgTokenKind.ListItem, t.Kind);
        Assert.Equal(2, t.Indentation);
        Assert.Equal(0, t.Stars);
        Assert.Equal("-", S(src, t.Bullet));
        Assert.False(t.Name.IsPresent);
        Assert.Equal("[@3]", S(src, t.Counter));
        Assert.Equal("[X]", S(src, t.Checkbox));
        Assert.Equal("done thing", S(src, t.Value));
    }

    [Fact]
    public void Nesting_is_limited()
    {
        var sb = new StringBuilder();
        // Distinct names: Org closes a block at the first end line of its own name.
        for (int i = 0; i < 100; i++) sb.Append($"#+begin_b{i}\n");
        for (int i = 99; i >= 0; i--) sb.Append($"#+end_b{i}\n");
        byte[] src = Encoding.UTF8.GetBytes(sb.ToString());
        var reader = new OrgReader(src);
        int maxDepth = 0;
        while (reader.Read()) maxDepth = Math.Max(maxDepth, reader.Depth);
        Assert.Equal(32, maxDepth);
        AssertTiles(src);
    }

    [Fact]
    public void Many_unclosed_openers_stay_linear()
    {
        // 20,000 unclosed drawers and blocks in one section: the search caches keep this fast.
        var sb = new StringBuilder("* H\n");
        for (int i = 0; i < 20_000; i++) sb.Append(i % 2 == 0 ? ":DRAWER:\n" : "#+begin_src\n");
        byte[] src = Encoding.UTF8.GetBytes(sb.ToString());
        AssertTiles(src);
    }

    [Fact]
    public void Reading_allocates_nothing()
    {
        byte[] src = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(
            "* PENDING [#A] Task :a:b:\nDEADLINE: <2026-01-01 Thu>\n:PROPERTIES:\n:ID: T-1\n:END:\n:LOGBOOK:\n- State \"DONE\" from \"TODO\" [2026-01-01 Thu]\n:END:\nBody *bold* text.\n#+begin_src sh\necho\n#+end_src\n- item\n| a |\n", 50)));
        GcAssert.NoAllocations(() =>
        {
            var reader = new OrgReader(src, Dispatch);
            while (reader.Read()) { }
        });
    }

    [RequiresFact(Requirements.Corpus)]
    public void Reading_the_org_manual_allocates_nothing_and_tiles()
    {
        byte[] src = File.ReadAllBytes(Path.Combine(TestEnvironment.CorpusDirectory!, "org-manual.org"));
        AssertTiles(src);
        GcAssert.NoAllocations(() =>
        {
            var reader = new OrgReader(src);
            while (reader.Read()) { }
        }, runs: 3);
    }
}
