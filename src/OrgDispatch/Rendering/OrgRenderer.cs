using OrgDispatch.Tree;

namespace OrgDispatch.Rendering;

/// <summary>
/// The base of an exporter: walks an <see cref="OrgTree"/> and writes text. <see cref="Render(OrgNode)"/>
/// sends each node to the handler registered for its type in <see cref="Handlers"/>, or else to
/// <see cref="Write"/>, which a subclass implements; <see cref="RenderChildren"/> continues the walk.
/// </summary>
/// <example>
/// Replace how one kind of node is written, keeping the rest of the HTML renderer:
/// <code>
/// var html = new OrgHtmlRenderer(writer);
/// html.Handlers[OrgNodeType.Link] = (renderer, node) =>
///     renderer.Writer.Write($"&lt;a class=\"mine\" href=\"{((OrgLinkNode)node).RawLink}\"&gt;link&lt;/a&gt;");
/// html.Render(tree);
/// </code>
/// </example>
public abstract class OrgRenderer
{
    /// <summary>Creates a renderer writing to <paramref name="writer"/>.</summary>
    /// <param name="writer">Where the output goes; the renderer does not dispose it.</param>
    protected OrgRenderer(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Writer = writer;
    }

    /// <summary>Where the output goes.</summary>
    public TextWriter Writer { get; }

    /// <summary>Handlers that replace the renderer's own writing for one node type: each gets the
    /// renderer and the node, and may call <see cref="RenderChildren"/>.</summary>
    public Dictionary<OrgNodeType, Action<OrgRenderer, OrgNode>> Handlers { get; } = [];

    /// <summary>Renders a whole tree: its document node.</summary>
    /// <param name="tree">The tree.</param>
    public virtual void Render(OrgTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        Render(tree.Root);
    }

    /// <summary>Renders one node (and, as its writer decides, what is below it).</summary>
    /// <param name="node">The node.</param>
    public void Render(OrgNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Handlers.TryGetValue(node.Type, out Action<OrgRenderer, OrgNode>? handler)) handler(this, node);
        else Write(node);
        // An object's trailing spaces are inside its extent, not in the text after it: write them
        // here, so that neither a writer nor a handler can drop them.
        if (node.Type.IsObject() && node.PostBlank > 0) WriteSpaces(node.PostBlank);
    }

    /// <summary>Writes the spaces after an object.</summary>
    /// <param name="count">How many.</param>
    protected virtual void WriteSpaces(int count) => Writer.Write(new string(' ', count));

    /// <summary>Renders each child of <paramref name="node"/> in order.</summary>
    /// <param name="node">The node whose children to render.</param>
    public void RenderChildren(OrgNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        foreach (OrgNode child in node.Children) Render(child);
    }

    /// <summary>Renders a list of objects, such as a headline's title.</summary>
    /// <param name="objects">The objects.</param>
    public void Render(IReadOnlyList<OrgNode> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        foreach (OrgNode o in objects) Render(o);
    }

    /// <summary>Writes a node for which no handler is registered.</summary>
    /// <param name="node">The node.</param>
    protected abstract void Write(OrgNode node);
}
