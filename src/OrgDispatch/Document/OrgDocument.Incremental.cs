using System.Text;
using OrgDispatch.Syntax;

namespace OrgDispatch.Document;

// Applying edits without parsing the whole text again: only the headlines an edit touches are read
// again; the records before them are kept, those after them shifted. The queue applies a few
// small edits per change to a file of thousands of headlines, so this turns a change's parse from
// O(file) into O(edited headlines) plus one copy of the bytes.
public sealed partial class OrgDocument
{
    /// <summary>What this document was made from by <see cref="ApplyEdits"/>: the document before and
    /// which headlines changed, so that what was built on that one (the queue's task table) can be
    /// brought up to date instead of built again. Dropped once used, and when a newer document is
    /// made from this one, so documents never form a chain.</summary>
    internal OrgDocumentLineage? Lineage { get; set; }

    /// <summary>The document <paramref name="edits"/> make of this one: the same as parsing the new
    /// text, but only the headlines the edits touch are read again.</summary>
    /// <param name="edits">Sorted, not overlapping, byte offsets into this document.</param>
    /// <exception cref="ArgumentException">The edits are out of order, overlap, or lie outside the text.</exception>
    /// <param name="keepLineage">Whether the new document remembers this one (so that the task table
    /// can follow); only for a caller that will ask for the table, since it keeps this one alive.</param>
    internal OrgDocument ApplyEdits(IReadOnlyList<OrgTextEdit> edits, bool keepLineage = true)
    {
        if (edits.Count == 0) return this;
        byte[] text = OrgTextEdit.Apply(_source, edits);
        Lineage = null;
        if (!CanApplyLocally(edits)) return Build(text, BaseOptions);

        // Each edit re-reads the headlines from the one starting before it up to, not including,
        // the first one starting after its end (so one starting right where it ends, whose line
        // the edit may have joined to the previous one, is read again). Overlapping windows merge.
        var windows = new List<(int First, int End)>(edits.Count);
        foreach (OrgTextEdit e in edits)
        {
            int first = LastHeadlineStartingBefore(e.Start);
            // Strictly after: a headline starting right where the edit ends is read again too.
            int end = FirstHeadlineStartingAfter(e.Start + e.Length);
            if (windows.Count > 0 && first <= windows[^1].End) windows[^1] = (windows[^1].First, Math.Max(windows[^1].End, end));
            else windows.Add((first, end));
        }

        // A keyword line in a window may start or stop counting (an edit can open or close a block
        // or a LaTeX environment around it), and with it the in-buffer settings: read it all again.
        foreach (var (first, end) in windows)
        {
            int from = _headlines[first].Start, to = end < _headlineCount ? _headlines[end].Start : _source.Length;
            if (_source.AsSpan(from, to - from).IndexOf("#+"u8) >= 0) return Build(text, BaseOptions);
        }

        var records = new RecordList(_headlineCount + 8);
        var changes = new List<OrgDocumentLineage.Window>(windows.Count);
        int edit = 0, byteShift = 0, lineShift = 0, kept = 0;
        foreach (var (first, end) in windows)
        {
            // Headlines before the window: shifted by the edits before it.
            for (int i = kept; i < first; i++) records.Add(Shifted(_headlines[i], byteShift, lineShift));
            int oldStart = _headlines[first].Start;
            int oldEnd = end < _headlineCount ? _headlines[end].Start : _source.Length;
            int windowShift = byteShift, windowLines = lineShift;
            // The last window runs to the end of the text: an insertion at the very end is in it.
            while (edit < edits.Count && (edits[edit].Start < oldEnd || end == _headlineCount))
            {
                OrgTextEdit e = edits[edit++];
                windowShift += Encoding.UTF8.GetByteCount(e.Text) - e.Length;
                windowLines += Newlines(e.Text) - _source.AsSpan(e.Start, e.Length).Count((byte)'\n');
            }
            int newStart = oldStart + byteShift;
            int newEnd = oldEnd + windowShift;
            // A #+ the edits made (text joined across an edit's edge, say) may be a setting.
            if (text.AsSpan(newStart, newEnd - newStart).IndexOf("#+"u8) >= 0) return Build(text, BaseOptions);
            int newFirst = records.Count;
            ReadHeadlines(text, newStart, newEnd, _headlines[first].Line + lineShift, records);
            changes.Add(new OrgDocumentLineage.Window(first, end - first, newFirst, records.Count - newFirst));
            byteShift = windowShift;
            lineShift = windowLines;
            kept = end;
        }
        for (int i = kept; i < _headlineCount; i++) records.Add(Shifted(_headlines[i], byteShift, lineShift));

        (HeadlineRecord[] array, int count) = (records.Items, records.Count);
        SetParents(array, count);
        SetSubtreeEnds(array, count, text.Length);
        var next = new OrgDocument(text, array, count, Settings, BaseOptions);
        if (keepLineage) next.Lineage = new OrgDocumentLineage(this, changes);
        return next;
    }

    // Local re-reading is exact only after the first headline: the text before it (where most
    // settings live) and a file without headlines are parsed whole. A #+ in a window is checked there.
    private bool CanApplyLocally(IReadOnlyList<OrgTextEdit> edits) => _headlineCount > 0 && edits[0].Start > _headlines[0].Start;

    // The headline whose line starts before POSITION (strictly), so an insertion at a line start
    // re-reads the section it lands in.
    private int LastHeadlineStartingBefore(int position)
    {
        int lo = 0, hi = _headlineCount - 1, found = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_headlines[mid].Start < position) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    private int FirstHeadlineStartingAfter(int position)
    {
        int lo = 0, hi = _headlineCount - 1, found = _headlineCount;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_headlines[mid].Start > position) { found = mid; hi = mid - 1; }
            else lo = mid + 1;
        }
        return found;
    }

    private void ReadHeadlines(byte[] text, int start, int end, int firstLine, RecordList records)
    {
        var reader = new OrgReader(text.AsSpan(0, end), start, Settings.Options);
        int line = firstLine, counted = start;
        while (reader.Read())
        {
            if (reader.TokenKind != OrgTokenKind.Headline) continue;
            OrgToken t = reader.Token;
            line += text.AsSpan(counted, t.Start - counted).Count((byte)'\n');
            counted = t.Start;
            records.Add(new HeadlineRecord(t.Start, line, t.Stars, -1));
        }
    }

    private static HeadlineRecord Shifted(in HeadlineRecord r, int bytes, int lines) =>
        new(r.Start + bytes, r.Line + lines, r.Stars, -1);

    // Parents by raw star count, as Build nests them.
    private static void SetParents(HeadlineRecord[] headlines, int count)
    {
        Span<int> stack = stackalloc int[64];
        int depth = 0;
        for (int i = 0; i < count; i++)
        {
            while (depth > 0 && headlines[stack[depth - 1]].Stars >= headlines[i].Stars) depth--;
            int parent = depth > 0 ? stack[depth - 1] : -1;
            headlines[i] = new HeadlineRecord(headlines[i].Start, headlines[i].Line, headlines[i].Stars, parent);
            if (depth < stack.Length) stack[depth++] = i;
            else stack[depth - 1] = i;
        }
    }

    // A growable array of records that hands over its array without a copy.
    private sealed class RecordList(int capacity)
    {
        public HeadlineRecord[] Items = new HeadlineRecord[Math.Max(4, capacity)];
        public int Count;

        public void Add(HeadlineRecord record)
        {
            if (Count == Items.Length) Array.Resize(ref Items, Items.Length * 2);
            Items[Count++] = record;
        }
    }

    private static int Newlines(string text)
    {
        int n = 0;
        foreach (char c in text) if (c == '\n') n++;
        return n;
    }

    /// <summary>The headline records, one per line (for test messages).</summary>
    internal string DescribeOutline() => string.Join("\n", Enumerable.Range(0, _headlineCount).Select(i =>
        $"{i}: start {_headlines[i].Start} line {_headlines[i].Line} stars {_headlines[i].Stars} parent {_headlines[i].Parent} end {_headlines[i].SubtreeEnd}"));

    /// <summary>Whether both documents have the same text, settings and headline records (for tests).</summary>
    internal bool SameOutlineAs(OrgDocument other)
    {
        if (!_source.AsSpan().SequenceEqual(other._source) || _headlineCount != other._headlineCount) return false;
        if (!Settings.TodoSequences.SequenceEqual(other.Settings.TodoSequences) || !Settings.FileTags.SequenceEqual(other.Settings.FileTags)
            || Options.OddLevelsOnly != other.Options.OddLevelsOnly) return false;
        for (int i = 0; i < _headlineCount; i++)
        {
            HeadlineRecord a = _headlines[i], b = other._headlines[i];
            if (a.Start != b.Start || a.Line != b.Line || a.Stars != b.Stars || a.Parent != b.Parent || a.SubtreeEnd != b.SubtreeEnd) return false;
        }
        return true;
    }
}

/// <summary>Where a document came from: <see cref="Previous"/>, with the headlines in each
/// <see cref="Window"/> read again (the others kept, in order, shifted).</summary>
internal sealed record OrgDocumentLineage(OrgDocument Previous, IReadOnlyList<OrgDocumentLineage.Window> Windows)
{
    /// <summary>Headlines <c>[OldFirst, OldFirst + OldCount)</c> of the previous document became
    /// <c>[NewFirst, NewFirst + NewCount)</c> of this one.</summary>
    internal readonly record struct Window(int OldFirst, int OldCount, int NewFirst, int NewCount);
}
