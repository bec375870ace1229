using System.Globalization;
using System.Text;
using OrgDispatch.Syntax;
using OrgDispatch.Text;

namespace OrgDispatch.Document;

/// <summary>How new planning lines and drawers are indented.</summary>
public enum MetadataIndentation
{
    /// <summary>Follow the headline's existing metadata when it has some, else use <see cref="None"/>.</summary>
    Auto = 0,
    /// <summary>At column 0, as Org 9.5 writes by default (<c>org-adapt-indentation</c> nil).</summary>
    None,
    /// <summary>Indented to the headline's title (level + 1 spaces), as with <c>org-adapt-indentation</c> t.</summary>
    Adapt,
}

/// <summary>One small change to the source: replace <see cref="Length"/> bytes at
/// <see cref="Start"/> with <see cref="Text"/>. Offsets refer to the original source.</summary>
/// <param name="Start">Byte offset in the original source.</param>
/// <param name="Length">Number of bytes replaced (0 for an insertion).</param>
/// <param name="Text">The replacement text.</param>
public readonly record struct OrgTextEdit(int Start, int Length, string Text)
{
    /// <summary>Applies <paramref name="edits"/> (sorted by <see cref="Start"/>, not overlapping,
    /// offsets into <paramref name="source"/>) and returns the new UTF-8 text.</summary>
    /// <exception cref="ArgumentException">An edit lies outside the source, or the edits overlap or are out of order.</exception>
    public static byte[] Apply(ReadOnlySpan<byte> source, IReadOnlyList<OrgTextEdit> edits)
    {
        ArgumentNullException.ThrowIfNull(edits);
        int size = source.Length;
        foreach (OrgTextEdit e in edits) size += Encoding.UTF8.GetByteCount(e.Text) - e.Length;
        byte[] output = new byte[size];
        int pos = 0, written = 0;
        foreach (OrgTextEdit e in edits)
        {
            if (e.Start < pos || e.Length < 0 || e.Start + e.Length > source.Length)
            {
                throw new ArgumentException($"The edit at byte {e.Start} (length {e.Length}) is out of order, overlaps another or lies outside the {source.Length}-byte source.", nameof(edits));
            }
            source[pos..e.Start].CopyTo(output.AsSpan(written));
            written += e.Start - pos;
            written += Encoding.UTF8.GetBytes(e.Text, output.AsSpan(written));
            pos = e.Start + e.Length;
        }
        source[pos..].CopyTo(output.AsSpan(written));
        return output;
    }
}

/// <summary>
/// Collects changes to an <see cref="OrgDocument"/> and turns them into the smallest text edits
/// that make them, leaving every other byte as it was. Layout follows what Org writes: CLOSED
/// first on the planning line, properties as <c>%-10s %s</c>, the newest LOGBOOK entry first,
/// the planning line, then the property drawer, then LOGBOOK right after the headline.
/// </summary>
/// <remarks>Not thread-safe; one editor per change. The document itself never changes:
/// <see cref="Apply"/> returns a new one.</remarks>
public sealed class OrgEditor
{
    private readonly OrgDocument _document;
    private readonly Dictionary<int, HeadlineChanges> _changes = [];
    private readonly List<(int Index, bool Before, string Text)> _newHeadlines = [];

    /// <summary>Starts editing <paramref name="document"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="document"/> is null.</exception>
    public OrgEditor(OrgDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        _document = document;
    }

    /// <summary>Indentation of new planning lines and drawers.</summary>
    public MetadataIndentation Indentation { get; set; }

    /// <summary>Sets the TODO keyword, or removes it when <paramref name="keyword"/> is null.</summary>
    /// <exception cref="ArgumentException">The keyword is empty or holds whitespace.</exception>
    public OrgEditor SetTodoKeyword(OrgHeadline headline, string? keyword)
    {
        if (keyword != null && (keyword.Length == 0 || keyword.Any(char.IsWhiteSpace)))
        {
            throw new ArgumentException($"A TODO keyword must be one non-empty word, not \"{keyword}\".", nameof(keyword));
        }
        Changes(headline).Todo = (true, keyword);
        return this;
    }

    /// <summary>Sets a property, creating the property drawer where Org would (after the planning line).</summary>
    /// <exception cref="ArgumentException">The name is empty or holds whitespace or colons, or the value holds a line break.</exception>
    public OrgEditor SetProperty(OrgHeadline headline, string name, string value)
    {
        CheckPropertyName(name);
        CheckOneLine(value, "A property value cannot span lines.", nameof(value));
        Changes(headline).Properties[name] = value;
        return this;
    }

    /// <summary>Removes every occurrence of a property (name matched without regard to case, as Org does).</summary>
    public OrgEditor RemoveProperty(OrgHeadline headline, string name)
    {
        CheckPropertyName(name);
        Changes(headline).Properties[name] = null;
        return this;
    }

    /// <summary>Adds <c>- TEXT</c> at the top of the LOGBOOK drawer, creating the drawer where Org would.
    /// With a <paramref name="note"/>, writes what Org's <c>org-store-log-note</c> writes: the entry
    /// ends in <c>\\</c> and the note's non-blank lines follow, indented under the item.</summary>
    /// <param name="headline">The headline whose LOGBOOK gets the entry.</param>
    /// <param name="text">The entry's first line, e.g. <c>State "DONE" from "TODO" [2026-11-21 Sat 10:30]</c>.</param>
    /// <param name="note">Free text; may span lines. Blank lines are dropped, and a line that would
    /// open or close a drawer (<c>:END:</c>) gets a leading comma, as Org escapes lines in blocks.</param>
    /// <exception cref="ArgumentException">The text holds a line break.</exception>
    public OrgEditor AddLogbookEntry(OrgHeadline headline, string text, string? note = null)
    {
        CheckOneLine(text, "A LOGBOOK entry's first line is one line; pass the rest as the note.");
        var lines = new List<string> { text };
        if (note != null)
        {
            foreach (string raw in note.Split('\n'))
            {
                string line = raw.TrimEnd();
                if (line.Length == 0) continue;
                string trimmed = line.TrimStart();
                if (trimmed.Length > 1 && trimmed[0] == ':' && trimmed[^1] == ':') line = "," + trimmed;
                lines.Add(line);
            }
            if (lines.Count > 1) lines[0] += " \\\\";
        }
        Changes(headline).Logbook.Add(lines);
        return this;
    }

    /// <summary>Sets <c>CLOSED: [timestamp]</c> on the planning line, creating the line if needed.</summary>
    public OrgEditor SetClosed(OrgHeadline headline, DateTime when)
    {
        Changes(headline).Closed = FormatInactive(when);
        return this;
    }

    /// <summary>Appends a plain-list item <c>- TEXT</c> at the end of the headline's section.</summary>
    public OrgEditor AppendListItem(OrgHeadline headline, string text)
    {
        CheckOneLine(text, "A list item is one line.");
        Changes(headline).Items.Add(text);
        return this;
    }

    /// <summary>Appends a headline after the last descendant of <paramref name="parent"/> (one level
    /// deeper), or at the end of the file when <paramref name="parent"/> is null.</summary>
    /// <param name="parent">The parent, or null for a top-level headline.</param>
    /// <param name="text">What follows the stars: keyword, priority, title and tags, e.g. <c>PENDING Deploy :timmy:</c>.</param>
    /// <param name="content">Lines that follow the headline (planning line, drawers, body), or null.</param>
    /// <exception cref="ArgumentException">The text spans lines, or a content line would start a headline.</exception>
    public OrgEditor AppendHeadline(OrgHeadline? parent, string text, string? content = null)
    {
        if (parent is { } p) CheckOwner(p);
        int stars = parent is { } q ? q.Stars + 1 : 1;
        _newHeadlines.Add((parent?.Index ?? -1, false, HeadlineText(stars, text, content)));
        return this;
    }

    /// <summary>Inserts a headline with <paramref name="next"/>'s number of stars right before it.</summary>
    /// <param name="next">The headline the new one goes in front of.</param>
    /// <param name="text">What follows the stars: keyword, priority, title and tags.</param>
    /// <param name="content">Lines that follow the headline (planning line, drawers, body), or null.</param>
    /// <exception cref="ArgumentException">The text spans lines, or a content line would start a headline.</exception>
    public OrgEditor InsertHeadlineBefore(OrgHeadline next, string text, string? content = null)
    {
        CheckOwner(next);
        _newHeadlines.Add((next.Index, true, HeadlineText(next.Stars, text, content)));
        return this;
    }

    private static string HeadlineText(int stars, string text, string? content)
    {
        CheckOneLine(text, "A headline is one line.");
        var sb = new StringBuilder().Append('*', stars).Append(' ').Append(text).Append('\n');
        if (!string.IsNullOrEmpty(content))
        {
            foreach (string line in content.TrimEnd('\n').Split('\n'))
            {
                int p = 0;
                while (p < line.Length && line[p] == '*') p++;
                if (p > 0 && p < line.Length && line[p] == ' ') throw new ArgumentException($"The content line \"{line}\" would start a new headline.", nameof(content));
                sb.Append(line).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>The text edits the collected changes make, in source order, against the original source.</summary>
    public IReadOnlyList<OrgTextEdit> ComputeEdits()
    {
        var edits = new List<PendingEdit>();
        foreach (var (index, changes) in _changes) new HeadlineEditWriter(this, new OrgHeadline(_document, index), edits).Write(changes);
        ReadOnlySpan<byte> src = _document.Source.Span;
        foreach (var (index, before, text) in _newHeadlines)
        {
            int at = before ? _document.Record(index).Start
                : index < 0 ? src.Length : EndOfContent(src, new OrgHeadline(_document, index).SubtreeRange);
            edits.Add(new(new OrgTextEdit(at, 0, NewlineIfNeeded(src, at) + text), before ? EditSlot.HeadlineBefore : EditSlot.HeadlineAfter));
        }
        edits.Sort((a, b) => a.Edit.Start != b.Edit.Start ? a.Edit.Start.CompareTo(b.Edit.Start) : a.Slot.CompareTo(b.Slot));
        for (int i = 1; i < edits.Count; i++)
        {
            var prev = edits[i - 1].Edit;
            if (edits[i].Edit.Start < prev.Start + prev.Length)
            {
                throw new InvalidOperationException($"Edits overlap at byte {edits[i].Edit.Start}; combine them into one change.");
            }
        }
        return edits.Select(e => e.Edit).ToList();
    }

    /// <summary>Applies the changes and parses the result.</summary>
    /// <returns>The edited document; the original is unchanged.</returns>
    public OrgDocument Apply() => _document.ApplyEdits(ComputeEdits(), keepLineage: false);

    /// <summary><see cref="Apply"/>, the new document remembering this one, for the queue's task table.</summary>
    internal OrgDocument ApplyKeepingLineage() => _document.ApplyEdits(ComputeEdits());

    /// <summary>Formats an inactive timestamp as Org writes one: <c>[2026-11-21 Sat 10:30]</c>.</summary>
    public static string FormatInactive(DateTime when) =>
        "[" + when.ToString("yyyy-MM-dd ddd HH:mm", CultureInfo.InvariantCulture) + "]";

    // Where an edit goes among others at the same offset: in the order the text reads, top to bottom.
    private enum EditSlot
    {
        TodoKeyword,
        Closed,
        Properties,
        Logbook,
        ListItems,
        HeadlineAfter,
        HeadlineBefore,
    }

    private readonly record struct PendingEdit(OrgTextEdit Edit, EditSlot Slot);

    /// <summary>One headline's changes turned into edits: its layout as it stands, the indentation new
    /// metadata lines take, and the newline an insertion at a file's end needs first (once per point).</summary>
    private sealed class HeadlineEditWriter
    {
        private readonly OrgDocument _document;
        private readonly OrgHeadline _headline;
        private readonly Layout _layout;
        private readonly string _indent;
        private readonly List<PendingEdit> _edits;
        private readonly HashSet<int> _led = [];

        public HeadlineEditWriter(OrgEditor editor, OrgHeadline headline, List<PendingEdit> edits)
        {
            _document = editor._document;
            _headline = headline;
            _layout = Layout.Read(headline);
            _indent = editor.Indentation switch
            {
                MetadataIndentation.None => "",
                MetadataIndentation.Adapt => new string(' ', headline.Level + 1),
                _ => _layout.ExistingIndent ?? "",
            };
            _edits = edits;
        }

        private ReadOnlySpan<byte> Src => _document.Source.Span;

        public void Write(HeadlineChanges c)
        {
            if (c.Todo is (true, var keyword)) TodoKeyword(keyword);
            if (c.Closed is { } closed) Closed(closed);
            if (c.Properties.Count > 0) Properties(c.Properties);
            if (c.Logbook.Count > 0) Logbook(c.Logbook);
            if (c.Items.Count > 0) ListItems(c.Items);
        }

        private void Add(int start, int length, string text, EditSlot slot) => _edits.Add(new(new OrgTextEdit(start, length, text), slot));

        private string Lead(int at) => _led.Add(at) ? NewlineIfNeeded(Src, at) : "";

        private void TodoKeyword(string? keyword)
        {
            OrgToken t = _layout.Headline;
            if (t.TodoKeyword.IsPresent)
            {
                int end = t.TodoKeyword.End;
                if (keyword is not null) Add(t.TodoKeyword.Start, t.TodoKeyword.Length, keyword, EditSlot.TodoKeyword);
                else Add(t.TodoKeyword.Start, end < t.LineEnd && Src[end] == ' ' ? end + 1 - t.TodoKeyword.Start : t.TodoKeyword.Length, "", EditSlot.TodoKeyword);
            }
            else if (keyword is not null)
            {
                Add(t.Start + t.Stars + 1, 0, keyword + " ", EditSlot.TodoKeyword);
            }
        }

        private void Closed(string closed)
        {
            if (_layout.Planning is not { } planning)
            {
                int after = _layout.HeadlineEnd;
                Add(after, 0, Lead(after) + _indent + "CLOSED: " + closed + "\n", EditSlot.Closed);
                return;
            }
            OrgPlanning p = OrgPlanning.Parse(Src, planning.Start, planning.LineEnd);
            if (p.Closed.IsPresent)
            {
                Add(p.Closed.Start, p.Closed.Length, closed, EditSlot.Closed);
                return;
            }
            int at = planning.Start;
            while (at < planning.LineEnd && Src[at] is (byte)' ' or (byte)'\t') at++;
            Add(at, 0, "CLOSED: " + closed + " ", EditSlot.Closed);
        }

        private void Properties(Dictionary<string, string?> properties)
        {
            if (_layout.PropertyDrawer is { } drawerEnd)
            {
                EditDrawer(drawerEnd, properties);
                return;
            }
            if (!properties.Values.Any(v => v != null)) return;
            var sb = new StringBuilder(Lead(_layout.MetadataEnd)).Append(_indent).Append(":PROPERTIES:\n");
            foreach (var (name, value) in properties)
            {
                if (value != null) sb.Append(PropertyLine(_indent, name, value));
            }
            sb.Append(_indent).Append(":END:\n");
            Add(_layout.MetadataEnd, 0, sb.ToString(), EditSlot.Properties);
        }

        private void EditDrawer(TextRange drawerEnd, Dictionary<string, string?> properties)
        {
            string lineIndent = _layout.ExistingIndent ?? _indent;
            var done = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, start, end, _) in _layout.Properties)
            {
                string key = Utf8Text.Decode(Src[name.Start..name.End]);
                if (!properties.TryGetValue(key, out string? value)) continue;
                bool first = done.Add(key);
                // The first occurrence takes the new value; repeats go, so the value reads back as set.
                Add(start, end - start, value != null && first ? PropertyLine(lineIndent, key, value) : "", EditSlot.Properties);
            }
            var sb = new StringBuilder();
            foreach (var (name, value) in properties)
            {
                if (value != null && !done.Contains(name)) sb.Append(PropertyLine(lineIndent, name, value));
            }
            if (sb.Length > 0) Add(drawerEnd.Start, 0, sb.ToString(), EditSlot.Properties);
        }

        // Newest first, as Org adds notes (org-log-states-order-reversed).
        private void Logbook(List<List<string>> entries)
        {
            var sb = new StringBuilder();
            string itemIndent = _layout.LogbookIndent ?? _indent;
            for (int i = entries.Count - 1; i >= 0; i--)
            {
                List<string> entry = entries[i];
                sb.Append(itemIndent).Append("- ").Append(entry[0]).Append('\n');
                for (int j = 1; j < entry.Count; j++) sb.Append(itemIndent).Append("  ").Append(entry[j]).Append('\n');
            }
            if (_layout.LogbookBodyStart >= 0) Add(_layout.LogbookBodyStart, 0, sb.ToString(), EditSlot.Logbook);
            else Add(_layout.MetadataEnd, 0, Lead(_layout.MetadataEnd) + _indent + ":LOGBOOK:\n" + sb + _indent + ":END:\n", EditSlot.Logbook);
        }

        private void ListItems(List<string> items)
        {
            int at = EndOfContent(Src, _headline.SectionRange);
            var sb = new StringBuilder(Lead(at));
            foreach (string item in items) sb.Append("- ").Append(item).Append('\n');
            Add(at, 0, sb.ToString(), EditSlot.ListItems);
        }
    }

    // Org's org-property-format, "%-10s %s".
    internal static string PropertyLine(string indent, string name, string value)
    {
        string key = ":" + name + ":";
        return value.Length == 0 ? indent + key + "\n" : indent + key.PadRight(10) + " " + value + "\n";
    }

    private static int EndOfContent(ReadOnlySpan<byte> src, TextRange range)
    {
        // After the last line that is not blank, so trailing blank lines stay at the end.
        int end = range.End;
        int p = end;
        while (p > range.Start && src[p - 1] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r') p--;
        if (p == range.Start) return range.End;
        int nl = src[p..end].IndexOf((byte)'\n');
        return nl < 0 ? end : p + nl + 1;
    }

    private static string NewlineIfNeeded(ReadOnlySpan<byte> src, int at) => at > 0 && src[at - 1] != '\n' ? "\n" : "";

    private HeadlineChanges Changes(OrgHeadline h)
    {
        CheckOwner(h);
        if (!_changes.TryGetValue(h.Index, out var c)) _changes[h.Index] = c = new HeadlineChanges();
        return c;
    }

    private void CheckOwner(OrgHeadline h)
    {
        if (!ReferenceEquals(h.Document, _document)) throw new ArgumentException("The headline belongs to another document.", nameof(h));
    }

    private static void CheckOneLine(string text, string message, string paramName = "text")
    {
        ArgumentNullException.ThrowIfNull(text, paramName);
        if (text.AsSpan().IndexOfAny('\n', '\r') >= 0) throw new ArgumentException(message, paramName);
    }

    private static void CheckPropertyName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Any(ch => char.IsWhiteSpace(ch) || ch == ':'))
        {
            throw new ArgumentException($"A property name must be one word without colons, not \"{name}\".", nameof(name));
        }
    }

    private sealed class HeadlineChanges
    {
        public (bool Set, string? Keyword) Todo;
        public string? Closed;
        public readonly Dictionary<string, string?> Properties = new(StringComparer.OrdinalIgnoreCase);
        public readonly List<List<string>> Logbook = [];
        public readonly List<string> Items = [];
    }

    /// <summary>Where a headline's metadata sits: planning line, property drawer, LOGBOOK.</summary>
    private sealed class Layout
    {
        public OrgToken Headline;
        public int HeadlineEnd;
        public OrgToken? Planning;
        public TextRange? PropertyDrawer; // the :END: line
        public readonly List<(TextRange Name, int Start, int End, int LineEnd)> Properties = [];
        public int MetadataEnd;
        public int LogbookBodyStart = -1;
        public string? LogbookIndent;
        public string? ExistingIndent;

        public static Layout Read(OrgHeadline h)
        {
            ReadOnlySpan<byte> src = h.Document.Source.Span;
            var layout = new Layout();
            OrgReader reader = h.ReadFromHeadline();
            reader.Read();
            layout.Headline = reader.Token;
            layout.HeadlineEnd = layout.MetadataEnd = reader.Token.End;
            bool inDrawer = false;
            while (reader.Read())
            {
                OrgToken t = reader.Token;
                switch (t.Kind)
                {
                    case OrgTokenKind.Planning when layout.Planning is null && !inDrawer && layout.PropertyDrawer is null:
                        layout.Planning = t;
                        layout.ExistingIndent ??= Indent(src, t);
                        layout.MetadataEnd = t.End;
                        continue;
                    case OrgTokenKind.PropertyDrawerStart:
                        inDrawer = true;
                        layout.ExistingIndent ??= Indent(src, t);
                        continue;
                    case OrgTokenKind.Property:
                        layout.Properties.Add((t.Name, t.Start, t.End, t.LineEnd));
                        continue;
                    case OrgTokenKind.PropertyDrawerEnd:
                        inDrawer = false;
                        layout.PropertyDrawer = new TextRange(t.Start, t.Length);
                        layout.MetadataEnd = t.End;
                        continue;
                    case OrgTokenKind.DrawerStart when reader.Depth == 1 && Ascii.EqualsIgnoreCase(t.Name.Of(src), "LOGBOOK"u8):
                        layout.LogbookBodyStart = t.End;
                        layout.LogbookIndent = Indent(src, t);
                        return layout;
                }
            }
            return layout;
        }

        private static string Indent(ReadOnlySpan<byte> src, OrgToken t)
        {
            int p = t.Start;
            while (p < t.LineEnd && src[p] is (byte)' ' or (byte)'\t') p++;
            return Encoding.ASCII.GetString(src[t.Start..p]);
        }
    }
}
