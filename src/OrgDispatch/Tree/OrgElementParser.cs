using OrgDispatch.Syntax;
using static OrgDispatch.Tree.OrgLineScan;

namespace OrgDispatch.Tree;

// Builds the element tree the way org-element--parse-elements does: from a start position to a
// limit, find the element at point and its extent, recurse into greater elements between their
// contents-begin and contents-end, and move to the element's end. Which element starts a line is
// the OrgReader's decision (one probe over the text cut at the limit), so a line kind is
// recognised one way in the whole library; this class adds the extents the reader does not
// compute: lists and items, tables, footnote definitions, merged comment lines, affiliated
// keywords and the blank lines each element owns.
internal sealed class OrgElementParser(OrgTree tree)
{
    // Deeper greater elements are kept as nodes without children: hostile nesting cannot
    // exhaust the stack.
    private const int MaxDepth = 200;

    private readonly OrgSyntaxOptions _options = tree.Options;
    private int _documentStart;

    private enum Mode : byte
    {
        None,
        FirstSection,
        Section,
        TopComment,
        Planning,
        PropertyDrawer,
        NodeProperty,
        Item,
        TableRow,
    }

    private ReadOnlySpan<byte> Text => tree.Source.Span;

    public OrgNode ParseDocument()
    {
        ReadOnlySpan<byte> t = Text;
        _documentStart = t.StartsWith("\uFEFF"u8) ? 3 : 0;
        var root = new OrgNode(tree, OrgNodeType.Document, _documentStart, t.Length);
        int first = SkipBlanks(t, _documentStart, t.Length);
        int start = first >= t.Length ? t.Length : Math.Max(_documentStart, LineStart(t, first));
        ParseElements(root, start, t.Length, Mode.FirstSection, null, 0);
        return root;
    }

    private void ParseElements(OrgNode parent, int begin, int end, Mode mode, OrgListStructure? structure, int depth)
    {
        int mark = OrgNodeBuffer.Mark();
        try
        {
            parent.SetChildren(ParseElementsInto(begin, end, mode, structure, depth, mark));
        }
        finally
        {
            OrgNodeBuffer.Truncate(mark);
        }
    }

    private OrgNode[] ParseElementsInto(int begin, int end, Mode mode, OrgListStructure? structure, int depth, int mark)
    {
        int p = begin;
        while (p < end)
        {
            OrgNode element = CurrentElement(p, end, mode, structure, out OrgListStructure? inner);
            if (element.End <= p) element.End = Math.Max(LineNext(Text, p), p + 1); // never stall
            Descend(element, mode, inner, depth);
            OrgNodeBuffer.Add(element);
            mode = NextMode(mode, element.Type);
            p = element.End;
        }
        return OrgNodeBuffer.Take(mark);
    }

    private void Descend(OrgNode element, Mode mode, OrgListStructure? structure, int depth)
    {
        // Objects are parsed on first access; property drawers and table rows are built with their lines.
        if (!element.HasContents || element.HoldsObjects || element.Type is OrgNodeType.PropertyDrawer or OrgNodeType.TableRow) return;
        if (depth >= MaxDepth) return;
        Mode inner = element.Type switch
        {
            OrgNodeType.Headline => Mode.Section,
            OrgNodeType.Section when mode == Mode.FirstSection => Mode.TopComment,
            OrgNodeType.Section => Mode.Planning,
            OrgNodeType.PlainList => Mode.Item,
            OrgNodeType.Table => Mode.TableRow,
            _ => Mode.None,
        };
        ParseElements(element, element.ContentsBegin, element.ContentsEnd, inner,
            element.Type is OrgNodeType.PlainList or OrgNodeType.Item ? structure : null, depth + 1);
    }

    // org-element--next-mode for a sibling.
    private static Mode NextMode(Mode mode, OrgNodeType type) => mode switch
    {
        Mode.Item => Mode.Item,
        Mode.NodeProperty => Mode.NodeProperty,
        Mode.TableRow => Mode.TableRow,
        Mode.Planning when type == OrgNodeType.Planning => Mode.PropertyDrawer,
        Mode.TopComment when type == OrgNodeType.Comment => Mode.PropertyDrawer,
        _ => Mode.None,
    };

    private OrgNode CurrentElement(int p, int limit, Mode mode, OrgListStructure? structure, out OrgListStructure? inner)
    {
        ReadOnlySpan<byte> t = Text;
        inner = structure;
        if (mode == Mode.Item && structure is not null && structure.TryGet(p, out ListItemLine line)) return Item(line, structure);
        if (mode == Mode.TableRow) return TableRow(p);
        if (IsBol(t, p) && HeadlineStars(t, p) > 0) return Headline(p, limit);
        if (mode == Mode.Section) return Section(p, NextHeadline(t, p));
        if (mode == Mode.FirstSection) return Section(p, Math.Min(limit, NextHeadline(t, p)));
        if (!IsBol(t, p) && p != _documentStart) return Paragraph(p, p, ParagraphEndFrom(LineStart(t, p), limit), limit);

        var reader = new OrgReader(t[..limit], p, _options, ReaderMode(p, mode));
        reader.Read();
        switch (reader.TokenKind)
        {
            case OrgTokenKind.Comment:
                return Lines(OrgNodeType.Comment, p, p, limit, IsCommentLine);
            case OrgTokenKind.Planning:
                return OneLine(new OrgNode(tree, OrgNodeType.Planning, p, 0), p, limit);
            case OrgTokenKind.PropertyDrawerStart:
                return PropertyDrawer(p, limit);
            case OrgTokenKind.Clock:
                return OneLine(new OrgValueNode(tree, OrgNodeType.Clock, p, 0, TextRange.None, reader.Token.Value), p, limit);
            case OrgTokenKind.BlankLine:
                // Only where a caller starts on a blank line: the blank lines belong to no element.
                return Paragraph(p, p, SkipBlankLines(t, p, limit), limit);
        }

        List<OrgAffiliatedKeyword>? affiliated = null;
        int q = p;
        while (q < limit && AffiliatedKeyword(q) is { } keyword)
        {
            (affiliated ??= []).Add(keyword);
            q = LineNext(t, q);
        }
        if (affiliated is not null && (q >= limit || IsBlankLine(t, q)))
        {
            affiliated = null; // orphaned: the first of them is an ordinary keyword
            q = p;
        }
        if (q != p)
        {
            reader = new OrgReader(t[..limit], q, _options, OrgReader.Mode.Normal);
            reader.Read();
        }
        OrgNode element = AfterAffiliated(ref reader, p, q, limit, ref inner);
        if (affiliated is not null) tree.SetAffiliation(element, q, affiliated);
        return element;
    }

    private OrgNode AfterAffiliated(ref OrgReader reader, int begin, int q, int limit, ref OrgListStructure? structure)
    {
        ReadOnlySpan<byte> t = Text;
        OrgToken token = reader.Token;
        switch (token.Kind)
        {
            case OrgTokenKind.LatexEnvironment:
                return Finish(new OrgValueNode(tree, OrgNodeType.LatexEnvironment, begin, 0, token.Name, TextRange.FromBounds(q, token.End)), token.End, limit);
            case OrgTokenKind.DrawerStart:
                return Container(new OrgDrawerNode(tree, begin, 0, token.Name), q, reader.ClosingLine, limit);
            case OrgTokenKind.FixedWidth:
                return Lines(OrgNodeType.FixedWidth, begin, q, limit, IsFixedWidthLine);
            case OrgTokenKind.BlockStart:
                return Container(new OrgBlockNode(tree, GreaterBlockType(token.Name), begin, 0, token.Name, token.Value, TextRange.None), q, reader.ClosingLine, limit);
            case OrgTokenKind.DynamicBlockStart:
                return Container(new OrgBlockNode(tree, OrgNodeType.DynamicBlock, begin, 0, token.Name, token.Value, TextRange.None), q, reader.ClosingLine, limit);
            case OrgTokenKind.Block:
                return LesserBlock(token, begin, q, limit);
            case OrgTokenKind.BabelCall:
                return OneLine(new OrgValueNode(tree, OrgNodeType.BabelCall, begin, 0, token.Name, token.Value), q, limit);
            case OrgTokenKind.Keyword:
                return OneLine(new OrgValueNode(tree, OrgNodeType.Keyword, begin, 0, token.Name, token.Value), q, limit);
            case OrgTokenKind.FootnoteDefinition:
                return FootnoteDefinition(token, begin, q, limit);
            case OrgTokenKind.HorizontalRule:
                return OneLine(new OrgNode(tree, OrgNodeType.HorizontalRule, begin, 0), q, limit);
            case OrgTokenKind.DiarySexp:
                return OneLine(new OrgValueNode(tree, OrgNodeType.DiarySexp, begin, 0, TextRange.None, token.Value), q, limit);
            case OrgTokenKind.TableRow:
                return Table(begin, q, limit);
            case OrgTokenKind.ListItem when ListItemLine.TryMatch(t, q, out _):
                if (structure is null || !structure.TryGet(q, out _)) structure = OrgListStructure.Build(t, q, limit);
                return PlainList(begin, q, limit, structure);
            case OrgTokenKind.Paragraph:
                return Paragraph(begin, q, token.End, limit);
            default:
                // A comment or clock line after affiliated keywords, and whatever else the reader
                // sees where org-element's affiliated branch finds no element: a paragraph.
                return Paragraph(begin, q, ParagraphEndFrom(q, limit), limit);
        }
    }

    private OrgReader.Mode ReaderMode(int p, Mode mode)
    {
        ReadOnlySpan<byte> t = Text;
        bool firstLine = p <= _documentStart;
        int previous = firstLine ? p : LineStart(t, p - 1);
        return mode switch
        {
            Mode.Planning when !firstLine && t[previous] == '*' => OrgReader.Mode.AfterHeadline,
            Mode.PropertyDrawer or Mode.TopComment when firstLine || !IsBlankLine(t, previous) => OrgReader.Mode.AfterPlanning,
            _ => OrgReader.Mode.Normal,
        };
    }

    // ---- Elements --------------------------------------------------------------------------

    private OrgHeadlineNode Headline(int p, int limit)
    {
        ReadOnlySpan<byte> t = Text;
        var reader = new OrgReader(t, p, _options, OrgReader.Mode.Normal);
        reader.Read();
        OrgToken token = reader.Token;
        int end = Math.Min(NextHeadline(t, p, token.Stars), limit);
        var h = new OrgHeadlineNode(tree, p, end, token, _options.ReduceLevel(token.Stars));
        int cb = SkipBlanks(t, LineNext(t, p), end);
        if (cb < end)
        {
            h.ContentsBegin = LineStart(t, cb);
            h.ContentsEnd = ContentsEndBefore(t, end, 0);
            h.PostBlank = CountLines(t, h.ContentsEnd, end);
        }
        else
        {
            h.PostBlank = Math.Max(0, CountLines(t, p, end) - 1);
        }
        return h;
    }

    private OrgNode Section(int p, int end)
    {
        ReadOnlySpan<byte> t = Text;
        var s = new OrgNode(tree, OrgNodeType.Section, p, end) { ContentsBegin = p };
        s.ContentsEnd = Math.Min(end, ContentsEndBefore(t, end, 0));
        s.PostBlank = CountLines(t, s.ContentsEnd, end);
        return s;
    }

    // An element of one line: it ends after that line and the blank lines after it.
    private OrgNode OneLine(OrgNode node, int lineStart, int limit) => Finish(node, LineNext(Text, lineStart), limit);

    private OrgNode Finish(OrgNode node, int beforeBlank, int limit)
    {
        ReadOnlySpan<byte> t = Text;
        node.End = SkipBlankLines(t, beforeBlank, limit);
        node.PostBlank = CountLines(t, beforeBlank, node.End);
        return node;
    }

    // Consecutive comment or fixed-width lines, as one element.
    private OrgNode Lines(OrgNodeType type, int begin, int first, int limit, LinePredicate more)
    {
        ReadOnlySpan<byte> t = Text;
        int p = LineNext(t, first);
        while (p < limit && more(t, p)) p = LineNext(t, p);
        var node = new OrgNode(tree, type, begin, 0);
        if (type == OrgNodeType.Comment) return Finish(node, p, limit);
        // fixed-width counts its blank lines from the end of its last line (org-element 9.5).
        int areaEnd = IsBol(t, p) && p > first ? p - 1 : p;
        node.End = SkipBlankLines(t, areaEnd, limit);
        node.PostBlank = CountLines(t, areaEnd, node.End);
        return node;
    }

    private delegate bool LinePredicate(ReadOnlySpan<byte> t, int lineStart);

    private static bool IsCommentLine(ReadOnlySpan<byte> t, int p) => IsMarkerLine(t, p, (byte)'#');

    private static bool IsFixedWidthLine(ReadOnlySpan<byte> t, int p) => IsMarkerLine(t, p, (byte)':');

    // "[ \t]*M\( \|$\)".
    private static bool IsMarkerLine(ReadOnlySpan<byte> t, int p, byte marker)
    {
        int e = LineEnd(t, p);
        Indentation(t, p, out int i);
        return i < e && t[i] == marker && (i + 1 == e || t[i + 1] == ' ');
    }

    private OrgNode Paragraph(int begin, int contentsBegin, int separator, int limit)
    {
        ReadOnlySpan<byte> t = Text;
        var node = new OrgNode(tree, OrgNodeType.Paragraph, begin, 0) { ContentsBegin = contentsBegin };
        node.ContentsEnd = Math.Min(limit, ContentsEndBefore(t, separator, contentsBegin));
        return Finish(node, node.ContentsEnd, limit);
    }

    private int ParagraphEndFrom(int lineStart, int limit)
    {
        var reader = new OrgReader(Text[..limit], lineStart, _options, OrgReader.Mode.Normal);
        return reader.ParagraphEndFrom(lineStart);
    }

    // A drawer or a greater block: contents between the opening and closing lines.
    private OrgNode Container(OrgNode node, int opening, int closing, int limit)
    {
        ReadOnlySpan<byte> t = Text;
        int contents = LineNext(t, opening);
        if (contents < closing)
        {
            node.ContentsBegin = contents;
            node.ContentsEnd = closing;
        }
        return Finish(node, LineNext(t, closing), limit);
    }

    private OrgNode PropertyDrawer(int p, int limit)
    {
        ReadOnlySpan<byte> t = Text;
        var reader = new OrgReader(t[..limit], p, _options, OrgReader.Mode.AfterPlanning);
        reader.Read();
        int closing = reader.ClosingLine;
        var drawer = new OrgNode(tree, OrgNodeType.PropertyDrawer, p, 0);
        int mark = OrgNodeBuffer.Mark();
        while (reader.Read() && reader.TokenKind == OrgTokenKind.Property)
        {
            OrgToken token = reader.Token;
            OrgNodeBuffer.Add(new OrgValueNode(tree, OrgNodeType.NodeProperty, token.Start, token.End, token.Name, token.Value));
        }
        if (LineNext(t, p) < closing)
        {
            drawer.ContentsBegin = LineNext(t, p);
            drawer.ContentsEnd = closing;
        }
        drawer.SetChildren(OrgNodeBuffer.Take(mark));
        return Finish(drawer, LineNext(t, closing), limit);
    }

    private OrgNode LesserBlock(OrgToken token, int begin, int q, int limit)
    {
        ReadOnlySpan<byte> t = Text;
        ReadOnlySpan<byte> name = token.Name.Of(t);
        OrgNodeType type = System.Text.Ascii.EqualsIgnoreCase(name, "SRC"u8) ? OrgNodeType.SrcBlock
            : System.Text.Ascii.EqualsIgnoreCase(name, "EXAMPLE"u8) ? OrgNodeType.ExampleBlock
            : System.Text.Ascii.EqualsIgnoreCase(name, "EXPORT"u8) ? OrgNodeType.ExportBlock
            : System.Text.Ascii.EqualsIgnoreCase(name, "VERSE"u8) ? OrgNodeType.VerseBlock
            : OrgNodeType.CommentBlock;
        var block = new OrgBlockNode(tree, type, begin, 0, token.Name, token.Value, token.Contents);
        if (type == OrgNodeType.VerseBlock)
        {
            block.ContentsBegin = token.Contents.Start;
            block.ContentsEnd = token.Contents.End;
        }
        return Finish(block, token.End, limit);
    }

    private OrgNodeType GreaterBlockType(TextRange name)
    {
        ReadOnlySpan<byte> n = name.Of(Text);
        return System.Text.Ascii.EqualsIgnoreCase(n, "CENTER"u8) ? OrgNodeType.CenterBlock
            : System.Text.Ascii.EqualsIgnoreCase(n, "QUOTE"u8) ? OrgNodeType.QuoteBlock
            : OrgNodeType.SpecialBlock;
    }

    private OrgNode Table(int begin, int q, int limit)
    {
        ReadOnlySpan<byte> t = Text;
        Indentation(t, q, out int first);
        bool tableEl = t[first] == '+';
        int p = q;
        while (p < limit)
        {
            int e = LineEnd(t, p);
            Indentation(t, p, out int i);
            if (i >= e || !(t[i] == '|' || (tableEl && t[i] == '+'))) break;
            p = LineNext(t, p);
        }
        int tableEnd = p;
        while (p < limit && IsTblfm(t, p)) p = LineNext(t, p);
        var table = new OrgNode(tree, OrgNodeType.Table, begin, 0);
        if (!tableEl)
        {
            table.ContentsBegin = q;
            table.ContentsEnd = tableEnd;
        }
        return Finish(table, p, limit);
    }

    // "[ \t]*#\+TBLFM: +".
    private static bool IsTblfm(ReadOnlySpan<byte> t, int p)
    {
        int e = LineEnd(t, p);
        Indentation(t, p, out int i);
        return StartsWithIgnoreCase(t, i, e, "#+TBLFM: "u8);
    }

    private OrgNode TableRow(int p)
    {
        ReadOnlySpan<byte> t = Text;
        int e = LineEnd(t, p);
        Indentation(t, p, out int i);
        var row = new OrgNode(tree, OrgNodeType.TableRow, p, LineNext(t, p));
        if (i + 1 < e + 1 && i < e && t[i] == '|' && (i + 1 >= e || t[i + 1] != '-'))
        {
            int cb = i + 1;
            int ce = e;
            while (ce > cb && t[ce - 1] is (byte)' ' or (byte)'\t') ce--;
            row.ContentsBegin = cb;
            row.ContentsEnd = Math.Max(cb, ce);
            row.SetChildren(Cells(row.ContentsBegin, row.ContentsEnd));
        }
        return row;
    }

    // org-element-table-cell-parser: "[ \t]*\(.*?\)[ \t]*\(?:|\|$\)", one after the other.
    private OrgNode[] Cells(int begin, int end)
    {
        ReadOnlySpan<byte> t = Text;
        int mark = OrgNodeBuffer.Mark();
        int p = begin;
        while (p < end)
        {
            int bar = t[p..end].IndexOf((byte)'|');
            int stop = bar < 0 ? end : p + bar;
            int cb = p;
            while (cb < stop && t[cb] is (byte)' ' or (byte)'\t') cb++;
            int ce = stop;
            while (ce > cb && t[ce - 1] is (byte)' ' or (byte)'\t') ce--;
            var cell = new OrgNode(tree, OrgNodeType.TableCell, p, bar < 0 ? end : stop + 1) { ContentsBegin = cb, ContentsEnd = ce };
            OrgNodeBuffer.Add(cell);
            p = cell.End;
        }
        return OrgNodeBuffer.Take(mark);
    }

    private OrgFootnoteNode FootnoteDefinition(OrgToken token, int begin, int q, int limit)
    {
        ReadOnlySpan<byte> t = Text;
        int end = FootnoteEnd(q, limit);
        var node = new OrgFootnoteNode(tree, OrgNodeType.FootnoteDefinition, begin, end, token.Name);
        int afterLabel = token.Name.End + 1;
        int cb = SkipBlanks(t, afterLabel, end);
        if (cb < end)
        {
            node.ContentsBegin = LineStart(t, cb) == q ? cb : LineStart(t, cb);
            node.ContentsEnd = ContentsEndBefore(t, end, 0);
        }
        node.PostBlank = CountLines(t, node.HasContents ? node.ContentsEnd : ContentsEndBefore(t, end, 0), end);
        return node;
    }

    // org-element--footnote-separator searched from the end of the definition's first line: a
    // headline, another definition (less the affiliated keywords above it), or two blank lines.
    private int FootnoteEnd(int q, int limit)
    {
        ReadOnlySpan<byte> t = Text;
        int p = LineNext(t, q);
        while (p < limit)
        {
            if (HeadlineStars(t, p) > 0) return p;
            if (t[p] == '[' && IsFootnoteLabelLine(t, p))
            {
                int start = p;
                while (start > q && LineStart(t, start - 1) > q && AffiliatedKeyword(LineStart(t, start - 1)) is not null) start = LineStart(t, start - 1);
                return start;
            }
            if (IsBlankLine(t, p) && LineNext(t, p) < limit && t[LineNext(t, p) - 1] == '\n' && IsBlankLine(t, LineNext(t, p))
                && LineNext(t, p) < t.Length && LineNext(t, LineNext(t, p)) <= t.Length && t[LineNext(t, LineNext(t, p)) - 1] == '\n')
            {
                int after = SkipBlanks(t, p, limit);
                return after >= limit ? limit : LineStart(t, after);
            }
            p = LineNext(t, p);
        }
        return limit;
    }

    private static bool IsFootnoteLabelLine(ReadOnlySpan<byte> t, int p)
    {
        if (!t[p..].StartsWith("[fn:"u8)) return false;
        int e = LineEnd(t, p);
        int i = p + 4;
        while (i < e && t[i] != ']')
        {
            byte c = t[i];
            if (!(c is (byte)'-' or (byte)'_' || char.IsAsciiLetterOrDigit((char)c) || c >= 0x80)) return false;
            i++;
        }
        return i > p + 4 && i < e;
    }

    private OrgPlainListNode PlainList(int begin, int q, int limit, OrgListStructure structure)
    {
        ReadOnlySpan<byte> t = Text;
        structure.TryGet(q, out ListItemLine first);
        Indentation(t, q, out int b);
        OrgListType type = char.IsAsciiLetterOrDigit((char)t[b]) ? OrgListType.Ordered
            : first.HasTag ? OrgListType.Descriptive : OrgListType.Unordered;
        int contentsEnd = first.End;
        while (structure.TryGet(contentsEnd, out ListItemLine sibling) && sibling.Indentation == first.Indentation) contentsEnd = sibling.End;
        var list = new OrgPlainListNode(tree, begin, 0, type) { ContentsBegin = q, ContentsEnd = contentsEnd };
        // An item's end can pass the limit (it includes the blank lines before the next item of
        // an outer list); then the list ends there too, as org-element's skip stays put.
        int after = SkipBlanks(t, contentsEnd, limit);
        list.End = after == limit ? limit : LineStart(t, after);
        list.PostBlank = CountLines(t, contentsEnd, list.End);
        return list;
    }

    private OrgItemNode Item(ListItemLine line, OrgListStructure structure)
    {
        ReadOnlySpan<byte> t = Text;
        int end = IsBol(t, line.End) ? line.End : LineNext(t, line.End);
        bool ordered = line.IsOrdered(t);
        TextRange tag = line.HasTag && !ordered ? TextRange.FromBounds(line.TagStart, line.TagEnd) : TextRange.None;
        var item = new OrgItemNode(tree, line.Begin, end, TextRange.FromBounds(line.BulletStart, line.BulletEnd), line.Counter, line.Checkbox, tag);
        int start = line.HasTag && ordered ? line.TagStart : line.MatchEnd;
        int cb = SkipBlanks(t, start, end);
        if (cb < end)
        {
            item.ContentsBegin = LineStart(t, cb) == line.Begin ? cb : LineStart(t, cb);
            item.ContentsEnd = ContentsEndBefore(t, end, 0);
        }
        item.PostBlank = CountLines(t, item.HasContents ? item.ContentsEnd : line.Begin, end);
        return item;
    }

    // org-element--affiliated-re at the line start p, or null.
    private OrgAffiliatedKeyword? AffiliatedKeyword(int p)
    {
        ReadOnlySpan<byte> t = Text;
        int e = LineEnd(t, p);
        Indentation(t, p, out int i);
        if (!(i + 2 < e && t[i] == '#' && t[i + 1] == '+')) return null;
        int k = i + 2;
        int colon = t[k..e].IndexOf((byte)':');
        if (colon <= 0) return null;
        ReadOnlySpan<byte> word = t.Slice(k, colon);
        string? key = null, secondary = null;
        int bracket = word.IndexOf((byte)'[');
        if (bracket > 0)
        {
            // "CAPTION[...]" or "RESULTS[...]": the last "]:" on the line closes the bracket.
            int close = t[k..e].LastIndexOf("]:"u8);
            ReadOnlySpan<byte> dual = word[..bracket];
            if (close > bracket && (IsKey(dual, "CAPTION"u8) || IsKey(dual, "RESULTS"u8)))
            {
                key = IsKey(dual, "CAPTION"u8) ? "CAPTION" : "RESULTS";
                secondary = TextRange.FromBounds(k + bracket + 1, k + close).GetString(t);
                colon = close + 1;
            }
            else return null;
        }
        else
        {
            key = Translate(word);
            if (key is null) return null;
        }
        int v = k + colon + 1;
        while (v < e && t[v] is (byte)' ' or (byte)'\t') v++;
        int ve = e;
        while (ve > v && t[ve - 1] is (byte)' ' or (byte)'\t') ve--;
        return new OrgAffiliatedKeyword(key, TextRange.FromBounds(v, ve).GetString(t), secondary);
    }

    private static bool IsKey(ReadOnlySpan<byte> word, ReadOnlySpan<byte> key) => System.Text.Ascii.EqualsIgnoreCase(word, key);

    // org-element-affiliated-keywords with org-element-keyword-translation-alist, and ATTR_ keywords.
    private static string? Translate(ReadOnlySpan<byte> w)
    {
        if (IsKey(w, "CAPTION"u8)) return "CAPTION";
        if (IsKey(w, "RESULTS"u8) || IsKey(w, "RESULT"u8)) return "RESULTS";
        if (IsKey(w, "HEADER"u8) || IsKey(w, "HEADERS"u8)) return "HEADER";
        if (IsKey(w, "PLOT"u8)) return "PLOT";
        if (IsKey(w, "NAME"u8) || IsKey(w, "DATA"u8) || IsKey(w, "LABEL"u8) || IsKey(w, "RESNAME"u8)
            || IsKey(w, "SOURCE"u8) || IsKey(w, "SRCNAME"u8) || IsKey(w, "TBLNAME"u8)) return "NAME";
        if (w.Length > 5 && System.Text.Ascii.EqualsIgnoreCase(w[..5], "ATTR_"u8))
        {
            foreach (byte c in w[5..])
            {
                if (!(char.IsAsciiLetterOrDigit((char)c) || c is (byte)'-' or (byte)'_')) return null;
            }
            return System.Text.Encoding.ASCII.GetString(w).ToUpperInvariant();
        }
        return null;
    }
}
