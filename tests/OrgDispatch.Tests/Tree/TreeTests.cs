using System.Text;
using System.Text.Json.Nodes;
using OrgDispatch.Rendering;
using OrgDispatch.Syntax;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tree;

namespace OrgDispatch.Tests.Tree;

/// <summary>The public syntax tree: typed nodes, the walker, laziness, the JSON and HTML writers.
/// Agreement with org-element itself is TreeConformanceTests' job; these pin the API.</summary>
public sealed class TreeTests
{
    [Fact]
    public void Descendants_of_a_type_walk_titles_and_text_in_document_order()
    {
        OrgTree tree = OrgTree.Parse("""
            * See [[https://orgmode.org][Org]]
            Text with <https://example.org/a> and [[file:notes.org::*Heading]].
            - tag [[#custom]] :: item
            """);
        OrgLinkNode[] links = tree.Root.Descendants<OrgLinkNode>().ToArray();
        Assert.Equal(["https", "https", "file", "custom-id"], links.Select(l => l.LinkType));
        Assert.Equal(["//orgmode.org", "//example.org/a", "notes.org", "custom"], links.Select(l => l.Path));
        Assert.Equal(OrgLinkFormat.Angle, links[1].Format);
        Assert.Equal("Org", links[0].Children.Single().GetText());
        Assert.Equal(links.Length, tree.Root.Descendants(OrgNodeType.Link).Count());
    }

    [Fact]
    public void Headline_properties_come_from_its_line_and_drawer()
    {
        OrgTree tree = OrgTree.Parse("#+TODO: PENDING | DONE\n* PENDING [#A] Deploy *now* :ops:web:\n  :PROPERTIES:\n  :ID: T-1\n  :END:\n");
        OrgHeadlineNode h = tree.Root.Children.OfType<OrgHeadlineNode>().Single();
        Assert.Equal(("PENDING", "A", "Deploy *now*", 1), (h.TodoKeyword, h.Priority, h.RawValue, h.Level));
        Assert.Equal(["ops", "web"], h.Tags);
        Assert.Equal("T-1", h.GetProperty("id"));
        Assert.Null(h.GetProperty("MISSING"));
        Assert.Equal([OrgNodeType.PlainText, OrgNodeType.Bold], h.Title.Select(o => o.Type));
        Assert.Same(h, h.Children[0].Parent);
    }

    [Theory]
    [InlineData("* COMMENT\n", 0)]
    [InlineData("* COMMENT :a:\n", 1)]
    [InlineData("** \n", 1)]
    [InlineData("* [#A]\n", 0)]
    [InlineData("* [#A] \n", 1)]
    public void An_empty_title_is_one_empty_string_or_nothing_as_org_element_has_it(string text, int objects)
    {
        var h = (OrgHeadlineNode)OrgTree.Parse(text).Root.Children[0];
        Assert.Equal("", h.RawValue);
        Assert.Equal(objects, h.Title.Count);
        Assert.All(h.Title, o => Assert.Equal("", o.GetText()));
    }

    [Fact]
    public void Timestamps_keep_what_is_written_even_when_the_calendar_has_no_such_day()
    {
        OrgTree tree = OrgTree.Parse("<2026-13-45 Xyz> [2026-12-07 Mon 25:99] <2026-12-07 Mon 10:30-12:00> <2026-12-07 Mon>--<2026-12-09 Wed>\n");
        OrgTimestampNode[] ts = tree.Root.Descendants<OrgTimestampNode>().ToArray();
        Assert.Equal(new OrgTimestampDate(2026, 13, 45, null, null), ts[0].Start);
        Assert.False(ts[0].Value.IsValid);
        Assert.Equal(new OrgTimestampDate(2026, 12, 7, 25, 99), ts[1].Start);
        Assert.Equal((OrgTimestampKind.ActiveRange, 12, 0), (ts[2].Kind, ts[2].EndDate!.Value.Hour, ts[2].EndDate!.Value.Minute));
        Assert.Equal((OrgTimestampKind.ActiveRange, 9), (ts[3].Kind, ts[3].EndDate!.Value.Day));
    }

    [Fact]
    public void Radio_targets_make_every_mention_a_link_without_case()
    {
        OrgTree tree = OrgTree.Parse("Define <<<Fleet Box>>> once.\n\nThen the fleet  box and FLEET BOX are links; fleetbox is not.\n");
        OrgLinkNode[] links = tree.Root.Descendants<OrgLinkNode>().ToArray();
        Assert.Equal(["fleet  box", "FLEET BOX"], links.Select(l => l.Path));
        Assert.All(links, l => Assert.Equal("radio", l.LinkType));
        Assert.Single(tree.Root.Descendants(OrgNodeType.RadioTarget));
    }

    [Fact]
    public void Citations_have_style_references_keys_and_common_affixes()
    {
        OrgTree tree = OrgTree.Parse("[cite/t:see ;@doe2020 p. 5;@roe; and more]\n");
        var cite = tree.Root.Descendants<OrgCitationNode>().First();
        Assert.Equal((OrgNodeType.Citation, "t"), (cite.Type, cite.Style));
        Assert.Equal("see ", string.Concat(cite.Prefix.Select(o => o.GetText())));
        Assert.Equal(" and more", string.Concat(cite.Suffix.Select(o => o.GetText())));
        Assert.Equal(["doe2020", "roe"], cite.Children.Cast<OrgCitationNode>().Select(r => r.Key));
        Assert.Equal(" p. 5", string.Concat(((OrgCitationNode)cite.Children[0]).Suffix.Select(o => o.GetText())));
    }

    [Fact]
    public void Threads_that_ask_for_objects_at_once_all_get_the_same_ones()
    {
        const int threads = 8;
        for (int round = 0; round < 50; round++)
        {
            OrgTree tree = OrgTree.Parse("* Title with *bold* and a [[https://x.org][link]]\nA paragraph with *bold*, /italic/ and [[https://x.org][a link]].\n");
            var headline = (OrgHeadlineNode)tree.Root.Children[0];
            OrgNode paragraph = headline.Children[0].Children[0];
            var paragraphs = new IReadOnlyList<OrgNode>[threads];
            var titles = new IReadOnlyList<OrgNode>[threads];
            using var start = new Barrier(threads);
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                paragraphs[i] = paragraph.Children;
                titles[i] = headline.Title;
            });
            Assert.All(paragraphs, p => Assert.Same(paragraphs[0], p));
            Assert.All(titles, t => Assert.Same(titles[0], t));
            Assert.Same(paragraphs[0], paragraph.Children);
            Assert.Equal(7, paragraphs[0].Count);
            Assert.All(paragraphs[0], o => Assert.Same(paragraph, o.Parent));
            Assert.All(titles[0], o => Assert.Same(headline, o.Parent));
        }
    }

    [Fact]
    public void Hostile_nesting_is_bounded_and_still_prints_as_json_and_html()
    {
        string nested = string.Concat(Enumerable.Repeat("[fn:: a ", 500)) + "core" + new string(']', 500);
        OrgTree tree = OrgTree.Parse(nested + "\n");
        OrgNode deepest = tree.Root.Descendants().MaxBy(Depth)!;
        Assert.InRange(Depth(deepest), 60, 80);
        Assert.Equal(OrgNodeType.PlainText, deepest.Type);
        Assert.Contains("[fn:: a core]", deepest.GetText(), StringComparison.Ordinal); // the rest, unparsed, as text
        Assert.NotNull(JsonNode.Parse(OrgTreeJson.ToJson(tree), documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 1000 }));
        Assert.Contains("core", OrgHtmlRenderer.ToHtml(tree), StringComparison.Ordinal);

        static int Depth(OrgNode node)
        {
            int depth = 0;
            for (OrgNode? n = node.Parent; n is not null; n = n.Parent) depth++;
            return depth;
        }
    }

    [Theory]
    [InlineData("#+begin_src org\n,* a\n,,* b\n,#+x\n  ,,,#+y\n,,z\n#+end_src\n", "* a\n,* b\n#+x\n  ,,#+y\n,,z\n")]
    [InlineData("#+begin_src sh\necho ,* not escaped mid-line\n#+end_src\n", "echo ,* not escaped mid-line\n")]
    public void Src_block_values_drop_one_escaping_comma_as_org_does(string text, string value)
    {
        var block = OrgTree.Parse(text).Root.Descendants<OrgBlockNode>().Single();
        Assert.Equal(value, block.Value);
    }

    [Theory]
    [InlineData("<%%(diary-float t 4 2)>", true)]
    [InlineData("<%%foo>", false)]
    [InlineData("<%%()>", false)]
    public void A_diary_timestamp_needs_a_sexp(string text, bool isTimestamp)
    {
        Assert.Equal(isTimestamp, OrgTree.Parse(text + "\n").Root.Descendants<OrgTimestampNode>().Any());
    }

    [Fact]
    public void Affiliated_keywords_belong_to_the_element_after_them()
    {
        OrgTree tree = OrgTree.Parse("#+NAME: tbl\n#+CAPTION[Short]: A *long* caption\n| a |\n");
        OrgNode table = tree.Root.Children[0].Children[0];
        Assert.Equal(OrgNodeType.Table, table.Type);
        Assert.Equal("tbl", table.GetAffiliated("name"));
        Assert.Equal(("CAPTION", "A *long* caption", "Short"), (table.AffiliatedKeywords[1].Key, table.AffiliatedKeywords[1].Value, table.AffiliatedKeywords[1].Secondary));
        Assert.Equal(Encoding.UTF8.GetByteCount("#+NAME: tbl\n#+CAPTION[Short]: A *long* caption\n"), table.PostAffiliated);
        Assert.Equal(0, table.Begin);
    }

    [Fact]
    public void Json_positions_count_characters_from_one_as_emacs_does()
    {
        OrgTree tree = OrgTree.Parse("\uFEFFé *b*\r\n");
        JsonNode root = JsonNode.Parse(OrgTreeJson.ToJson(tree))!;
        Assert.Equal(("org-data", 1, 7), ((string)root["type"]!, (int)root["begin"]!, (int)root["end"]!));
        JsonNode bold = root["children"]![0]!["children"]![0]!["children"]![1]!;
        Assert.Equal(("bold", 3, 6, 4, 5), ((string)bold["type"]!, (int)bold["begin"]!, (int)bold["end"]!, (int)bold["contents_begin"]!, (int)bold["contents_end"]!));
    }

    [Fact]
    public void A_handler_replaces_how_one_node_type_is_written()
    {
        OrgTree tree = OrgTree.Parse("Go to [[https://orgmode.org][Org]] now.\n");
        var writer = new StringWriter();
        var html = new OrgHtmlRenderer(writer);
        html.Handlers[OrgNodeType.Link] = (renderer, node) => renderer.Writer.Write($"[{((OrgLinkNode)node).RawLink}]");
        html.Render(tree);
        Assert.Equal("<p>\nGo to [https://orgmode.org] now.\n</p>\n", writer.ToString());
    }

    [Fact]
    public void Html_attributes_cannot_be_broken_out_of()
    {
        string html = OrgHtmlRenderer.ToHtml(OrgTree.Parse("* H\n  :PROPERTIES:\n  :CUSTOM_ID: a\"b\n  :END:\n[[https://x\" onmouseover=\"alert(1)][click]]\n#+begin_src a\"b\nx\n#+end_src\n"));
        Assert.DoesNotContain("\" onmouseover", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://x&quot; onmouseover=&quot;alert(1)\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"a&quot;b\"", html, StringComparison.Ordinal);
        Assert.Contains("src-a&quot;b", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_links_find_headlines_targets_and_names_and_ids_stay_unique()
    {
        string html = OrgHtmlRenderer.ToHtml(OrgTree.Parse(
            "#+OPTIONS: num:nil\n* First\nSee [[Second]], [[*Second]], [[tgt]], [[tbl]] and [[nowhere]].\n* Second\n<<tgt>> here\n#+NAME: tbl\n| a |\n"));
        var ids = System.Text.RegularExpressions.Regex.Matches(html, "id=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
        string second = System.Text.RegularExpressions.Regex.Match(html, "<h2 id=\"([^\"]*)\">Second").Groups[1].Value;
        Assert.Contains($"<a href=\"#{second}\">Second</a>, <a href=\"#{second}\">*Second</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"#target-tgt\">tgt</a>, <a href=\"#name-tbl\">tbl</a> and <i>nowhere</i>", html, StringComparison.Ordinal);
        Assert.Contains("<table id=\"name-tbl\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("section-number", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_escapes_text_and_writes_ox_html_markup()
    {
        string html = OrgHtmlRenderer.ToHtml(OrgTree.Parse("* DONE Ship <it> :x:\na & b -- c... =v<1>= \\alpha x^2\n"));
        Assert.Contains("<span class=\"done DONE\">DONE</span> Ship &lt;it&gt;&#xa0;&#xa0;&#xa0;<span class=\"tag\"><span class=\"x\">x</span></span></h2>", html, StringComparison.Ordinal);
        Assert.Contains("a &amp; b &#x2013; c&#x2026; <code>v&lt;1&gt;</code> &alpha; x<sup>2</sup>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Parsing_and_rendering_nothing_gives_an_empty_document()
    {
        OrgTree tree = OrgTree.Parse("");
        Assert.Equal((OrgNodeType.Document, 0, 0), (tree.Root.Type, tree.Root.Begin, tree.Root.End));
        Assert.Empty(tree.Root.Children);
        Assert.Equal("", OrgHtmlRenderer.ToHtml(tree));
    }

    [Fact]
    public async Task LoadAsync_reads_the_file_and_honours_its_keywords()
    {
        using var dir = new TempDirectory();
        string file = dir.File("t.org");
        await File.WriteAllTextAsync(file, "#+TODO: WAIT | GONE\n* WAIT a\n* TODO b\n");
        OrgTree tree = await OrgTree.LoadAsync(file);
        Assert.Equal(["WAIT", null], tree.Root.Children.OfType<OrgHeadlineNode>().Select(h => h.TodoKeyword));
        await Assert.ThrowsAsync<FileNotFoundException>(() => OrgTree.LoadAsync(dir.File("missing.org")));
    }

    [Fact]
    public void Caller_keywords_apply_when_the_file_declares_none()
    {
        var options = new OrgSyntaxOptions { TodoKeywords = TodoKeywordSet.Parse(["PENDING | DONE"]) };
        var h = (OrgHeadlineNode)OrgTree.Parse("* PENDING x\n", options).Root.Children[0];
        Assert.Equal("PENDING", h.TodoKeyword);
    }
}
