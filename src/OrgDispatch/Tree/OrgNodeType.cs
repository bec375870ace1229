namespace OrgDispatch.Tree;

/// <summary>The type of an <see cref="OrgNode"/>: one per <c>org-element</c> type (Org 9.5).
/// Elements come first, then objects (from <see cref="PlainText"/> on).</summary>
public enum OrgNodeType : byte
{
    /// <summary>The whole document (<c>org-data</c>).</summary>
    Document,
    /// <summary>A headline and its subtree.</summary>
    Headline,
    /// <summary>The text under a headline up to the next one, or before the first headline.</summary>
    Section,
    /// <summary>The SCHEDULED/DEADLINE/CLOSED line right after a headline.</summary>
    Planning,
    /// <summary>The <c>:PROPERTIES:</c> drawer of a headline or of the file.</summary>
    PropertyDrawer,
    /// <summary>One <c>:KEY: value</c> line of a property drawer.</summary>
    NodeProperty,
    /// <summary>A drawer such as <c>:LOGBOOK:</c>.</summary>
    Drawer,
    /// <summary><c>#+begin_center</c>.</summary>
    CenterBlock,
    /// <summary><c>#+begin_quote</c>.</summary>
    QuoteBlock,
    /// <summary>A greater block with any other name.</summary>
    SpecialBlock,
    /// <summary><c>#+BEGIN: name</c> to <c>#+END:</c>.</summary>
    DynamicBlock,
    /// <summary><c>#+begin_src</c>.</summary>
    SrcBlock,
    /// <summary><c>#+begin_example</c>.</summary>
    ExampleBlock,
    /// <summary><c>#+begin_export</c>.</summary>
    ExportBlock,
    /// <summary><c>#+begin_verse</c>: its lines hold objects.</summary>
    VerseBlock,
    /// <summary><c>#+begin_comment</c>.</summary>
    CommentBlock,
    /// <summary><c>#+KEY: value</c>.</summary>
    Keyword,
    /// <summary><c>#+CALL: name(args)</c>.</summary>
    BabelCall,
    /// <summary>A plain list: its items.</summary>
    PlainList,
    /// <summary>One item of a plain list.</summary>
    Item,
    /// <summary>A table.</summary>
    Table,
    /// <summary>A table row or rule.</summary>
    TableRow,
    /// <summary>A clock line.</summary>
    Clock,
    /// <summary>Consecutive comment lines.</summary>
    Comment,
    /// <summary>Consecutive fixed-width lines.</summary>
    FixedWidth,
    /// <summary>A horizontal rule.</summary>
    HorizontalRule,
    /// <summary>A footnote definition.</summary>
    FootnoteDefinition,
    /// <summary>A diary sexp line.</summary>
    DiarySexp,
    /// <summary>A LaTeX environment.</summary>
    LatexEnvironment,
    /// <summary>A paragraph.</summary>
    Paragraph,

    /// <summary>Text with no markup (the first object type).</summary>
    PlainText,
    /// <summary>A table cell.</summary>
    TableCell,
    /// <summary><c>*bold*</c>.</summary>
    Bold,
    /// <summary><c>/italic/</c>.</summary>
    Italic,
    /// <summary><c>_underline_</c>.</summary>
    Underline,
    /// <summary><c>+strike-through+</c>.</summary>
    StrikeThrough,
    /// <summary><c>~code~</c>.</summary>
    Code,
    /// <summary><c>=verbatim=</c>.</summary>
    Verbatim,
    /// <summary>A link: bracket, angle or plain.</summary>
    Link,
    /// <summary>A timestamp in text.</summary>
    Timestamp,
    /// <summary><c>[fn:label]</c> or an inline footnote.</summary>
    FootnoteReference,
    /// <summary><c>[2/3]</c> or <c>[66%]</c>.</summary>
    StatisticsCookie,
    /// <summary><c>\\</c> at the end of a line.</summary>
    LineBreak,
    /// <summary><c>\alpha</c> and the other Org entities.</summary>
    Entity,
    /// <summary>A LaTeX fragment: <c>\(…\)</c>, <c>$…$</c>, <c>\command</c>.</summary>
    LatexFragment,
    /// <summary><c>{{{macro(args)}}}</c>.</summary>
    Macro,
    /// <summary><c>&lt;&lt;target&gt;&gt;</c>.</summary>
    Target,
    /// <summary><c>&lt;&lt;&lt;radio target&gt;&gt;&gt;</c>.</summary>
    RadioTarget,
    /// <summary><c>@@backend:value@@</c>.</summary>
    ExportSnippet,
    /// <summary><c>src_lang[params]{code}</c>.</summary>
    InlineSrcBlock,
    /// <summary><c>call_name(args)</c>.</summary>
    InlineBabelCall,
    /// <summary><c>a_b</c> or <c>a_{b}</c>.</summary>
    Subscript,
    /// <summary><c>a^b</c> or <c>a^{b}</c>.</summary>
    Superscript,
    /// <summary><c>[cite:@key]</c>.</summary>
    Citation,
    /// <summary>One <c>@key</c> reference inside a citation.</summary>
    CitationReference,
}

/// <summary>Names of <see cref="OrgNodeType"/> values as <c>org-element</c> spells them.</summary>
public static class OrgNodeTypeNames
{
    private static readonly string[] Names =
    [
        "org-data", "headline", "section", "planning", "property-drawer", "node-property", "drawer",
        "center-block", "quote-block", "special-block", "dynamic-block", "src-block", "example-block",
        "export-block", "verse-block", "comment-block", "keyword", "babel-call", "plain-list", "item",
        "table", "table-row", "clock", "comment", "fixed-width", "horizontal-rule", "footnote-definition",
        "diary-sexp", "latex-environment", "paragraph",
        "plain-text", "table-cell", "bold", "italic", "underline", "strike-through", "code", "verbatim",
        "link", "timestamp", "footnote-reference", "statistics-cookie", "line-break", "entity",
        "latex-fragment", "macro", "target", "radio-target", "export-snippet", "inline-src-block",
        "inline-babel-call", "subscript", "superscript", "citation", "citation-reference",
    ];

    /// <summary>The <c>org-element</c> name of <paramref name="type"/>, such as <c>src-block</c>.</summary>
    public static string ToOrgElementName(this OrgNodeType type) => Names[(int)type];

    /// <summary>Whether <paramref name="type"/> is an object (inline) rather than an element.</summary>
    public static bool IsObject(this OrgNodeType type) => type >= OrgNodeType.PlainText;
}
