namespace OrgDispatch.Syntax;

/// <summary>The kind of one token reported by <see cref="OrgReader"/>. Tokens tile the input:
/// every byte belongs to exactly one token, so concatenating them gives back the input.</summary>
public enum OrgTokenKind : byte
{
    /// <summary>No token: before the first <see cref="OrgReader.Read"/> or after the last.</summary>
    None = 0,
    /// <summary>A leading UTF-8 byte order mark (three bytes).</summary>
    ByteOrderMark,
    /// <summary>A headline line: stars, a space, then keyword, priority, COMMENT, title and tags.</summary>
    Headline,
    /// <summary>The planning line right after a headline (SCHEDULED:, DEADLINE:, CLOSED:).</summary>
    Planning,
    /// <summary>The <c>:PROPERTIES:</c> line of a valid property drawer.</summary>
    PropertyDrawerStart,
    /// <summary>One <c>:NAME: value</c> line inside a property drawer.</summary>
    Property,
    /// <summary>The <c>:END:</c> line of a property drawer.</summary>
    PropertyDrawerEnd,
    /// <summary>The opening <c>:NAME:</c> line of a drawer (LOGBOOK or custom); its contents follow as tokens.</summary>
    DrawerStart,
    /// <summary>The <c>:END:</c> line closing a drawer.</summary>
    DrawerEnd,
    /// <summary>The <c>#+begin_NAME</c> line of a greater block (center, quote, or a custom name); contents follow as tokens.</summary>
    BlockStart,
    /// <summary>The <c>#+end_NAME</c> line closing a greater block.</summary>
    BlockEnd,
    /// <summary>A whole lesser block (src, example, export, verse, comment), begin to end line; its contents are raw text.</summary>
    Block,
    /// <summary>The <c>#+BEGIN: name</c> line of a dynamic block; contents follow as tokens.</summary>
    DynamicBlockStart,
    /// <summary>The <c>#+END:</c> line of a dynamic block.</summary>
    DynamicBlockEnd,
    /// <summary>A <c>#+KEY: value</c> line.</summary>
    Keyword,
    /// <summary>A <c>#+CALL:</c> line.</summary>
    BabelCall,
    /// <summary>The first line of a plain-list item (bullet, optional counter and checkbox).</summary>
    ListItem,
    /// <summary>A table row (a line starting with <c>|</c>) or a table.el rule line.</summary>
    TableRow,
    /// <summary>A <c>CLOCK:</c> line.</summary>
    Clock,
    /// <summary>A comment line (<c># text</c> or a lone <c>#</c>).</summary>
    Comment,
    /// <summary>A fixed-width line (<c>: text</c> or a lone <c>:</c>).</summary>
    FixedWidth,
    /// <summary>A horizontal rule (five or more dashes).</summary>
    HorizontalRule,
    /// <summary>The first line of a footnote definition (<c>[fn:label] text</c>).</summary>
    FootnoteDefinition,
    /// <summary>A diary sexp line (<c>%%(...)</c> at column 0).</summary>
    DiarySexp,
    /// <summary>A whole LaTeX environment, <c>\begin{name}</c> to <c>\end{name}</c>.</summary>
    LatexEnvironment,
    /// <summary>A paragraph: one or more lines of running text.</summary>
    Paragraph,
    /// <summary>A line holding only spaces and tabs.</summary>
    BlankLine,
}
