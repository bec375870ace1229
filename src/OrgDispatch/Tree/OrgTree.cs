using System.Text;
using OrgDispatch.Syntax;

namespace OrgDispatch.Tree;

/// <summary>
/// The whole Org syntax tree of a text: every element, with the objects inside each element's text
/// parsed on demand. The tree follows Emacs's <c>org-element</c> (Org 9.5) node for node: the same
/// types, extents and properties (see docs/org-syntax.md).
/// </summary>
/// <example>
/// <code>
/// OrgTree tree = OrgTree.Parse(File.ReadAllBytes("notes.org"));
/// foreach (OrgLinkNode link in tree.Root.Descendants&lt;OrgLinkNode&gt;())
///     Console.WriteLine($"{link.LinkType}: {link.RawLink}");
/// </code>
/// </example>
/// <remarks>Parsing never throws on malformed Org and the nodes tile the text. The tree is
/// immutable and safe to read from several threads.</remarks>
public sealed class OrgTree
{
    private OrgTree(ReadOnlyMemory<byte> source, OrgSyntaxOptions options)
    {
        Source = source;
        Options = options;
        Root = null!;
        _radioLinks = new Lazy<OrgRadioLinks?>(() => OrgRadioLinks.Collect(this));
    }

    /// <summary>The UTF-8 text the tree was parsed from.</summary>
    public ReadOnlyMemory<byte> Source { get; }

    /// <summary>The options the text was read with: the caller's, with the file's in-buffer
    /// settings (<c>#+TODO:</c>, <c>#+STARTUP:</c>) over them.</summary>
    public OrgSyntaxOptions Options { get; }

    // The document's radio targets, found on the first parse of objects (org-mode does it on entry).
    private readonly Lazy<OrgRadioLinks?> _radioLinks;

    internal OrgRadioLinks? RadioLinks => _radioLinks.Value;

    // The few elements with affiliated keywords; kept here so that no node pays a field for them.
    private Dictionary<OrgNode, OrgAffiliation>? _affiliations;

    internal OrgAffiliation? AffiliationOf(OrgNode node) =>
        _affiliations is not null && _affiliations.TryGetValue(node, out OrgAffiliation? a) ? a : null;

    internal void SetAffiliation(OrgNode node, int postAffiliated, List<OrgAffiliatedKeyword> keywords) =>
        (_affiliations ??= new(ReferenceEqualityComparer.Instance))[node] = new OrgAffiliation(postAffiliated, keywords);

    /// <summary>The document node (<c>org-data</c>).</summary>
    public OrgNode Root { get; private set; }

    /// <summary>Parses UTF-8 Org text.</summary>
    /// <param name="utf8">The text; the tree keeps a reference to it, so do not change it afterwards.</param>
    /// <param name="options">Default TODO keywords and settings; the file's own in-buffer settings win.</param>
    public static OrgTree Parse(ReadOnlyMemory<byte> utf8, OrgSyntaxOptions? options = null)
    {
        var settings = OrgInBufferSettings.Read(utf8.Span, options);
        var tree = new OrgTree(utf8, settings.Options);
        tree.Root = new OrgElementParser(tree).ParseDocument();
        return tree;
    }

    /// <summary>Parses Org text given as a string.</summary>
    /// <param name="text">The text.</param>
    /// <param name="options">Default TODO keywords and settings; the file's own in-buffer settings win.</param>
    public static OrgTree Parse(string text, OrgSyntaxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(Encoding.UTF8.GetBytes(text), options);
    }

    /// <summary>Reads and parses an Org file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Default TODO keywords and settings; the file's own in-buffer settings win.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<OrgTree> LoadAsync(string path, OrgSyntaxOptions? options = null, CancellationToken cancellationToken = default)
    {
        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(bytes, options);
    }
}

// Where an element starts after its affiliated keywords, and the keywords.
internal sealed record OrgAffiliation(int PostAffiliated, IReadOnlyList<OrgAffiliatedKeyword> Keywords);
