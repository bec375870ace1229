using System.Collections;
using OrgDispatch.Syntax;
using OrgDispatch.Text;

namespace OrgDispatch.Document;

/// <summary>One headline of an <see cref="OrgDocument"/>: a light handle (document and index).
/// Its parts are read from the source on demand.</summary>
/// <remarks>Members returning ranges, levels or handles do not allocate; members returning
/// strings or collections do. Thread-safe, like the document.</remarks>
public readonly struct OrgHeadline : IEquatable<OrgHeadline>
{
    internal OrgHeadline(OrgDocument document, int index)
    {
        Document = document;
        Index = index;
    }

    /// <summary>The document this headline belongs to.</summary>
    public OrgDocument Document { get; }

    /// <summary>Position in document order (0-based).</summary>
    public int Index { get; }

    private ref readonly OrgDocument.HeadlineRecord Record => ref Document.Record(Index);

    /// <summary>Where the headline line starts (a byte offset), without reading it.</summary>
    internal int Start => Record.Start;

    /// <summary>Number of leading stars.</summary>
    public int Stars => Record.Stars;

    /// <summary>The level as Org reports it (odd levels reduced under <c>#+STARTUP: odd</c>).</summary>
    public int Level => Document.Options.ReduceLevel(Record.Stars);

    /// <summary>1-based line number of the headline line.</summary>
    public int LineNumber => Record.Line;

    /// <summary>The headline line, with its terminator.</summary>
    public TextRange LineRange => TextRange.FromBounds(Record.Start, Token.End);

    /// <summary>The section: the text after the headline line up to the next headline.</summary>
    public TextRange SectionRange => TextRange.FromBounds(Token.End, Document.SectionEnd(Index));

    /// <summary>The whole subtree: the headline, its section and its descendants.</summary>
    public TextRange SubtreeRange => TextRange.FromBounds(Record.Start, Record.SubtreeEnd);

    /// <summary>The parsed headline line.</summary>
    public OrgToken Token
    {
        get
        {
            var reader = new OrgReader(Document.Span, Record.Start, Document.Options);
            reader.Read();
            return reader.Token;
        }
    }

    /// <summary>The parent headline, or null for a top-level one.</summary>
    public OrgHeadline? Parent => Record.Parent < 0 ? null : new OrgHeadline(Document, Record.Parent);

    /// <summary>The direct children, in order.</summary>
    public HeadlineCollection Children
    {
        get
        {
            int end = Document.IndexAfterSubtree(Index);
            return new HeadlineCollection(Document, Index + 1, end, Index);
        }
    }

    /// <summary>The TODO keyword, or null.</summary>
    public string? TodoKeyword => StringOrNull(Token.TodoKeyword);

    /// <summary>The priority character, or null.</summary>
    public string? Priority => StringOrNull(Token.Priority);

    /// <summary>The title without keyword, priority, COMMENT and tags.</summary>
    public string Title => Utf8Text.Decode(Token.Title.Of(Document.Span));

    /// <summary>Whether the title starts with COMMENT.</summary>
    public bool IsCommented => Token.IsCommented;

    /// <summary>The headline's own tags, in order (empty strings kept: <c>:a::b:</c> gives a, "", b).</summary>
    public IReadOnlyList<string> Tags
    {
        get
        {
            TextRange tags = Token.Tags;
            if (!tags.IsPresent) return [];
            string group = Utf8Text.Decode(tags.Of(Document.Span));
            return group[1..^1].Split(':');
        }
    }

    /// <summary>Whether the headline's own tags include <c>ARCHIVE</c>.</summary>
    public bool IsArchived => Tags.Contains("ARCHIVE");

    /// <summary>The planning line's timestamps (only when the line right after the headline is one).</summary>
    public OrgPlanning Planning
    {
        get
        {
            var reader = Section();
            if (reader.Read() && reader.TokenKind == OrgTokenKind.Planning)
            {
                OrgToken t = reader.Token;
                return OrgPlanning.Parse(Document.Span, t.Start, t.LineEnd);
            }
            return OrgPlanning.None;
        }
    }

    /// <summary>The property drawer's entries in order, names as written (repeats kept).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Properties
    {
        get
        {
            var list = new List<KeyValuePair<string, string>>();
            var reader = Section();
            bool inDrawer = false;
            while (reader.Read())
            {
                OrgTokenKind k = reader.TokenKind;
                if (k == OrgTokenKind.Planning && !inDrawer) continue;
                if (k == OrgTokenKind.PropertyDrawerStart) { inDrawer = true; continue; }
                if (k != OrgTokenKind.Property) break;
                OrgToken t = reader.Token;
                list.Add(new(Utf8Text.Decode(t.Name.Of(Document.Span)), Utf8Text.Decode(t.Value.Of(Document.Span))));
            }
            return list;
        }
    }

    /// <summary>The value of property <paramref name="name"/> (matched without regard to case,
    /// as Org does; the last one wins), or null.</summary>
    public string? GetProperty(string name)
    {
        string? value = null;
        foreach (var p in Properties)
        {
            if (string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)) value = p.Value;
        }
        return value;
    }

    /// <summary>A reader positioned at this headline's line; its first <see cref="OrgReader.Read"/>
    /// returns the headline, then the section's elements follow.</summary>
    public OrgReader ReadFromHeadline() => new(Document.Span[..Document.SectionEnd(Index)], Record.Start, Document.Options);

    // A reader over this section only, positioned after the headline line.
    private OrgReader Section()
    {
        var reader = ReadFromHeadline();
        reader.Read();
        return reader;
    }

    private string? StringOrNull(TextRange r) => r.IsPresent ? Utf8Text.Decode(r.Of(Document.Span)) : null;

    /// <inheritdoc/>
    public bool Equals(OrgHeadline other) => ReferenceEquals(Document, other.Document) && Index == other.Index;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is OrgHeadline h && Equals(h);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Document, Index);

    /// <summary>Whether two handles name the same headline of the same document.</summary>
    public static bool operator ==(OrgHeadline left, OrgHeadline right) => left.Equals(right);

    /// <summary>Whether two handles name different headlines.</summary>
    public static bool operator !=(OrgHeadline left, OrgHeadline right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"{new string('*', Stars)} {Title}";
}

/// <summary>A run of headlines in document order, optionally only the direct children of one
/// headline. Enumerating it does not allocate.</summary>
public readonly struct HeadlineCollection : IReadOnlyCollection<OrgHeadline>
{
    private readonly OrgDocument _document;
    private readonly int _start, _end, _parent;

    internal HeadlineCollection(OrgDocument document, int start, int end, int parent = int.MinValue)
    {
        _document = document;
        _start = start;
        _end = end;
        _parent = parent;
    }

    /// <summary>Number of headlines in the list (counts children when it is a child list).</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (var _ in this) n++;
            return n;
        }
    }

    /// <summary>Returns a non-allocating enumerator.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<OrgHeadline> IEnumerable<OrgHeadline>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Enumerates a <see cref="HeadlineCollection"/>.</summary>
    public struct Enumerator : IEnumerator<OrgHeadline>
    {
        private readonly HeadlineCollection _list;
        private int _i;

        internal Enumerator(HeadlineCollection list)
        {
            _list = list;
            _i = -1;
        }

        /// <inheritdoc/>
        public readonly OrgHeadline Current => new(_list._document, _i);

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext()
        {
            if (_list._document is null) return false;
            if (_i < 0) _i = _list._start;
            else if (_list._parent != int.MinValue) _i = _list._document.IndexAfterSubtree(_i);
            else _i++;
            return _i < _list._end;
        }

        /// <inheritdoc/>
        public void Reset() => _i = -1;

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}
