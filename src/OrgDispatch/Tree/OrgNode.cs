using OrgDispatch.Syntax;

namespace OrgDispatch.Tree;

/// <summary>
/// One node of an <see cref="OrgTree"/>: an element (a paragraph, a list, a headline) or an object
/// inside an element's text (a link, bold text, a timestamp). Positions are byte offsets into
/// <see cref="OrgTree.Source"/>, laid out as <c>org-element</c> lays them out: <see cref="End"/>
/// includes the blank lines (or, for objects, the spaces) after the node, counted by
/// <see cref="PostBlank"/>.
/// </summary>
/// <remarks>Nodes are immutable once built. The objects inside an element's text are parsed on
/// first access to <see cref="Children"/> and then kept; that first access is thread-safe.</remarks>
public class OrgNode
{
    // Elements' children, set when built; for a node that holds text, its objects, null until parsed.
    private OrgNode[]? _children;

    internal OrgNode(OrgTree tree, OrgNodeType type, int begin, int end)
    {
        Tree = tree;
        Type = type;
        Begin = begin;
        End = end;
        _children = type is OrgNodeType.Paragraph or OrgNodeType.VerseBlock or OrgNodeType.TableCell ? null : [];
    }

    /// <summary>The tree this node belongs to.</summary>
    public OrgTree Tree { get; }

    /// <summary>The node's type.</summary>
    public OrgNodeType Type { get; }

    /// <summary>The enclosing node: the element or object whose child this is, or, for the objects
    /// of a headline's title, an item's tag or a citation's prefix or suffix, that headline, item
    /// or citation (as in org-element). <c>null</c> for the document.</summary>
    public OrgNode? Parent { get; internal set; }

    /// <summary>Offset of the node's first byte (for an element, its first affiliated keyword).</summary>
    public int Begin { get; }

    /// <summary>Offset just past the node, trailing blank lines or spaces included.</summary>
    public int End { get; internal set; }

    /// <summary>Offset of the first byte of the contents, or -1 when the node has none.</summary>
    public int ContentsBegin { get; internal set; } = -1;

    /// <summary>Offset just past the contents, or -1 when the node has none.</summary>
    public int ContentsEnd { get; internal set; } = -1;

    /// <summary>Blank lines after an element, or spaces after an object, inside <see cref="End"/>.</summary>
    public int PostBlank { get; internal set; }

    /// <summary>For an element: where it starts after its affiliated keywords (<c>#+NAME:</c> and
    /// the like); <see cref="Begin"/> when it has none.</summary>
    public int PostAffiliated => Tree.AffiliationOf(this)?.PostAffiliated ?? Begin;

    /// <summary>The affiliated keywords before an element, in order; empty for most nodes.</summary>
    public IReadOnlyList<OrgAffiliatedKeyword> AffiliatedKeywords => Tree.AffiliationOf(this)?.Keywords ?? [];

    /// <summary>Whether the node has contents (<see cref="ContentsBegin"/> is set).</summary>
    public bool HasContents => ContentsBegin >= 0;

    /// <summary>The node's source range, <see cref="Begin"/> to <see cref="End"/>.</summary>
    public TextRange Range => new(Begin, End - Begin);

    /// <summary>The bytes of the node, trailing blanks included.</summary>
    public ReadOnlySpan<byte> Span => Tree.Source.Span[Begin..End];

    /// <summary>The child nodes: elements inside a greater element, objects inside an element that
    /// holds text. Objects are parsed on first access.</summary>
    public IReadOnlyList<OrgNode> Children
    {
        get
        {
            OrgNode[]? children = Volatile.Read(ref _children);
            if (children is not null) return children;
            return HoldsObjects ? ParseObjects() : [];
        }
    }

    /// <summary>The value of the first affiliated keyword named <paramref name="key"/> (such as
    /// <c>NAME</c> or <c>CAPTION</c>, after Org's translations), or <c>null</c>.</summary>
    public string? GetAffiliated(string key)
    {
        foreach (OrgAffiliatedKeyword k in AffiliatedKeywords)
        {
            if (string.Equals(k.Key, key, StringComparison.OrdinalIgnoreCase)) return k.Value;
        }
        return null;
    }

    /// <summary>The node's text, trailing blanks included.</summary>
    public string GetText() => Range.GetString(Tree.Source.Span);

    /// <summary>Every node below this one, depth first, in document order (this one excluded).
    /// Secondary strings (a headline's title, an item's tag) are included after their owner.</summary>
    public IEnumerable<OrgNode> Descendants()
    {
        var stack = new Stack<(OrgNode Node, int Next)>();
        stack.Push((this, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            IReadOnlyList<OrgNode> secondary = node.SecondaryObjects;
            int count = secondary.Count + node.Children.Count;
            if (next >= count) continue;
            stack.Push((node, next + 1));
            OrgNode child = next < secondary.Count ? secondary[next] : node.Children[next - secondary.Count];
            yield return child;
            stack.Push((child, 0));
        }
    }

    /// <summary>Every node of type <typeparamref name="T"/> below this one, in document order.</summary>
    /// <typeparam name="T">The node class wanted, such as <see cref="OrgLinkNode"/>.</typeparam>
    public IEnumerable<T> Descendants<T>() where T : OrgNode => Descendants().OfType<T>();

    /// <summary>Every node of type <paramref name="type"/> below this one, in document order.</summary>
    public IEnumerable<OrgNode> Descendants(OrgNodeType type) => Descendants().Where(n => n.Type == type);

    /// <summary>Objects that belong to the node without being its contents: a headline's title,
    /// an item's tag. Empty for most nodes.</summary>
    protected internal virtual IReadOnlyList<OrgNode> SecondaryObjects => [];

    /// <inheritdoc/>
    public override string ToString() => $"{Type.ToOrgElementName()} [{Begin}, {End})";

    internal void SetChildren(OrgNode[] children)
    {
        foreach (OrgNode c in children) c.Parent = this;
        _children = children;
    }

    // Whether the children are objects parsed from ContentsBegin..ContentsEnd on first access (a
    // paragraph, a verse block, a table cell). Derived, not stored: a tree has many nodes.
    internal bool HoldsObjects => Type is OrgNodeType.Paragraph or OrgNodeType.VerseBlock or OrgNodeType.TableCell && ContentsBegin >= 0;

    // A secondary string's objects (a title, a tag, a prefix), parsed on first access: lock-free,
    // two threads may both parse, one result is kept and both get it.
    private protected IReadOnlyList<OrgNode> SecondaryString(ref OrgNode[]? field, Func<OrgNode, OrgNode[]> parse)
    {
        OrgNode[]? objects = Volatile.Read(ref field);
        if (objects is not null) return objects;
        objects = parse(this);
        foreach (OrgNode o in objects) o.Parent = this;
        return Interlocked.CompareExchange(ref field, objects, null) ?? objects;
    }

    // Lock-free: two threads may both parse, one result is kept (they are equal).
    private OrgNode[] ParseObjects()
    {
        OrgNode[] objects = OrgObjectParser.Parse(Tree, ContentsBegin, ContentsEnd, OrgObjectParser.RestrictionFor(Type));
        foreach (OrgNode o in objects) o.Parent = this;
        return Interlocked.CompareExchange(ref _children, objects, null) ?? objects;
    }


}

/// <summary>An affiliated keyword (<c>#+NAME:</c>, <c>#+CAPTION:</c>, <c>#+ATTR_HTML:</c>, …) that
/// belongs to the element after it.</summary>
/// <param name="Key">The keyword, upper case, after Org's translations (<c>TBLNAME</c> is <c>NAME</c>).</param>
/// <param name="Value">The value, trimmed.</param>
/// <param name="Secondary">The bracketed value of a dual keyword (<c>#+CAPTION[short]: long</c>), or <c>null</c>.</param>
public sealed record OrgAffiliatedKeyword(string Key, string Value, string? Secondary);
