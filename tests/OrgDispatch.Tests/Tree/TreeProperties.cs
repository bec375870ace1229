using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrgDispatch.Rendering;
using OrgDispatch.Tests.Syntax;
using OrgDispatch.Tree;

namespace OrgDispatch.Tests.Tree;

/// <summary>Whatever the text, the tree is built without an exception and its nodes lie where
/// org-element would put them: elements in order inside their parent, objects tiling exactly the
/// text they were parsed from.</summary>
public sealed class TreeProperties
{
    private static readonly string[] ObjectFragments =
    [
        "*bold*", "/it/", "_u_", "+s+", "~c~", "=v=", "*a /b/ c*", "=a*b=", "[[https://x.org][d]]", "[[x]]", "[[a][b", "<https://a.b>",
        "https://x.org/p", "<2026-01-01 Thu>", "[2026-01-01 Thu 10:00]--[2026-01-02 Fri]", "<%%(diary)>", "[fn:1]", "[fn:: inline]",
        "[fn:x: def]", "[50%]", "[1/3]", "\\alpha", "\\alpha{}", "\\_ ", "$x$", "\\(y\\)", "x^2", "a_{b}", "\\\\", "{{{m(a,b)}}}",
        "<<t>>", "<<<radio>>>", "radio", "@@html:<b>@@", "src_sh{ls}", "call_f(1)", "[cite:@k]", "[cite/t:p;@a s;@b]", "<<<", ">>>",
        "*", "=", "[[", "]]", "\\", "<", "[", "@@", "{{{", "\u200b", "é", "😀",
    ];

    private static Gen<byte[]> Documents =>
        from lines in Gen.ListOf(Gen.OneOf(
                OrgGenerators.Line,
                Gen.ListOf(Gen.Elements(ObjectFragments)).SelectMany(parts => Gen.Elements(" ", "", "\n").Select(separator => string.Join(separator, parts))))
            .SelectMany(l => OrgGenerators.Newline.Select(n => l + n)))
        select System.Text.Encoding.UTF8.GetBytes(string.Concat(lines));

    [Property(MaxTest = 400, QuietOnSuccess = true)]
    public Property Any_document_gives_a_well_formed_tree() =>
        Prop.ForAll(Arb.From(Documents), AssertWellFormed);

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property Random_bytes_give_a_well_formed_tree() =>
        Prop.ForAll(OrgGenerators.BytesArb, AssertWellFormed);

    private static bool AssertWellFormed(byte[] bytes)
    {
        OrgTree tree = OrgTree.Parse(bytes);
        int start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        Assert.Equal((start, bytes.Length), (tree.Root.Begin, tree.Root.End));
        Check(tree.Root);
        _ = OrgTreeJson.ToJson(tree);
        _ = OrgHtmlRenderer.ToHtml(tree);
        return true;

        static void Check(OrgNode node)
        {
            Assert.True(node.Begin <= node.End, $"{node} ends before it begins");
            if (node.HasContents) Assert.True(node.Begin <= node.ContentsBegin && node.ContentsBegin <= node.ContentsEnd && node.ContentsEnd <= node.End, $"{node}: contents outside");
            if (node is OrgHeadlineNode h) CheckObjects(h.Title, h.TitleRange.Start, h.TitleRange.End, allowEmpty: true);
            if (node is OrgItemNode { HasTag: true } item) CheckObjects(item.Tag, item.TagRange.Start, item.TagRange.End, allowEmpty: false);
            IReadOnlyList<OrgNode> children = node.Children;
            if (children.Count > 0 && children[0].Type.IsObject())
            {
                CheckObjects(children, node.ContentsBegin, node.ContentsEnd, allowEmpty: false);
                return;
            }
            // Children start in order inside their parent. (They may end past it: org-element bounds a
            // last headline by its parent's contents, which exclude trailing "\r\n" lines, but not
            // that headline's section; the conformance tests hold us to the same.)
            int previous = node.Begin;
            foreach (OrgNode child in children)
            {
                Assert.True(child.Begin >= previous && child.Begin <= node.End, $"{child} starts outside {node} or inside its sibling");
                Assert.Same(node, child.Parent);
                previous = child.End;
                Check(child);
            }
        }

        // Plain text and objects follow each other without a gap from the container's start to its end.
        static void CheckObjects(IReadOnlyList<OrgNode> objects, int begin, int end, bool allowEmpty)
        {
            if (objects.Count == 1 && objects[0].Begin == objects[0].End && allowEmpty) return;
            int at = begin;
            foreach (OrgNode o in objects)
            {
                Assert.True(o.Type.IsObject(), $"{o} among objects");
                Assert.True(o.Begin == at, $"{o} should begin at {at}");
                at = o.End;
                if (o.HasContents) CheckObjects(o.Children, o.ContentsBegin, o.ContentsEnd, allowEmpty: false);
                else Assert.True(o.Children.Count == 0 || o.Type == OrgNodeType.Citation, $"{o} has children but no contents");
            }
            Assert.True(at == end || (objects.Count == 0 && begin >= end), $"objects end at {at}, their container at {end}");
        }
    }
}
