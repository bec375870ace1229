using System.Text;
using OrgDispatch.Syntax;

namespace OrgDispatch.Document;

/// <summary>
/// A parsed Org file: the source bytes plus its outline (every headline, its level, parent,
/// section and subtree). Headline parts, properties and section elements are read from the
/// source when asked for, so the model stays small and the source is the single truth:
/// <see cref="Source"/> is always the input byte for byte.
/// </summary>
/// <remarks>
/// Immutable and thread-safe once built. Building reads the text once and allocates one
/// small record per headline; strings are made only by members that return them. To change the
/// file, use <see cref="Edit"/>, which returns a new document.
/// </remarks>
public sealed partial class OrgDocument
{
    private readonly byte[] _source;
    private readonly HeadlineRecord[] _headlines;
    private readonly int _headlineCount;

    private OrgDocument(byte[] source, HeadlineRecord[] headlines, int count, OrgInBufferSettings settings, OrgSyntaxOptions? baseOptions)
    {
        BaseOptions = baseOptions;
        _source = source;
        _headlines = headlines;
        _headlineCount = count;
        Settings = settings;
    }

    /// <summary>The source text, unchanged.</summary>
    public ReadOnlyMemory<byte> Source => _source;

    /// <summary>The in-buffer settings in force (TODO keywords, odd levels, file tags).</summary>
    public OrgInBufferSettings Settings { get; }

    /// <summary>The options the file is read with (the file's settings over the caller's).</summary>
    public OrgSyntaxOptions Options => Settings.Options;

    /// <summary>Number of headlines in the file.</summary>
    public int HeadlineCount => _headlineCount;

    /// <summary>Every headline in document order.</summary>
    public HeadlineCollection Headlines => new(this, 0, _headlineCount);

    /// <summary>The range of text before the first headline (the zeroth section).</summary>
    public TextRange Preamble => TextRange.FromBounds(0, _headlineCount > 0 ? _headlines[0].Start : _source.Length);

    /// <summary>The headline at <paramref name="index"/> in document order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside 0..<see cref="HeadlineCount"/>-1.</exception>
    public OrgHeadline GetHeadline(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _headlineCount);
        return new OrgHeadline(this, index);
    }

    /// <summary>Parses UTF-8 Org text. The array is copied, so later changes to it do not leak in.</summary>
    /// <param name="utf8">The file's bytes.</param>
    /// <param name="options">Default TODO keywords and settings; the file's own in-buffer settings win.</param>
    public static OrgDocument Parse(ReadOnlySpan<byte> utf8, OrgSyntaxOptions? options = null) =>
        Build(utf8.ToArray(), options);

    /// <summary>Parses Org text given as a string (encoded to UTF-8).</summary>
    /// <param name="text">The text.</param>
    /// <param name="options">Default TODO keywords and settings; the file's own in-buffer settings win.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static OrgDocument Parse(string text, OrgSyntaxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Build(Encoding.UTF8.GetBytes(text), options);
    }

    /// <summary>Reads and parses a file.</summary>
    /// <param name="path">The file's path.</param>
    /// <param name="options">Default TODO keywords and settings; the file's own in-buffer settings win.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<OrgDocument> LoadAsync(string path, OrgSyntaxOptions? options = null, CancellationToken cancellationToken = default)
    {
        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Build(bytes, options);
    }

    /// <summary>Takes ownership of <paramref name="utf8"/> without copying it. The caller must not change it afterwards.</summary>
    internal static OrgDocument Build(byte[] utf8, OrgSyntaxOptions? options)
    {
        var collector = new OrgInBufferSettings.Collector();
        var headlines = new HeadlineRecord[Math.Max(4, utf8.Length / 512)];
        int count = 0;
        int line = 1, counted = 0;
        // Parent stack by raw star count, as org-element nests headlines.
        Span<int> stack = stackalloc int[64];
        int depth = 0;

        var reader = new OrgReader(utf8, options);
        while (reader.Read())
        {
            OrgTokenKind kind = reader.TokenKind;
            if (kind == OrgTokenKind.Keyword)
            {
                collector.Add(utf8, reader.Token);
            }
            else if (kind == OrgTokenKind.Headline)
            {
                OrgToken t = reader.Token;
                line += utf8.AsSpan(counted, t.Start - counted).Count((byte)'\n');
                counted = t.Start;
                while (depth > 0 && headlines[stack[depth - 1]].Stars >= t.Stars) depth--;
                int parent = depth > 0 ? stack[depth - 1] : -1;
                if (count == headlines.Length) Array.Resize(ref headlines, count * 2);
                headlines[count] = new HeadlineRecord(t.Start, line, t.Stars, parent);
                if (depth < stack.Length) stack[depth++] = count;
                else stack[depth - 1] = count; // absurdly deep outlines: nest under the deepest kept
                count++;
            }
        }

        SetSubtreeEnds(headlines, count, utf8.Length);
        return new OrgDocument(utf8, headlines, count, collector.Build(options ?? OrgSyntaxOptions.Default), options);
    }

    // Each headline's subtree ends at the next headline with as many stars or fewer.
    private static void SetSubtreeEnds(HeadlineRecord[] headlines, int count, int length)
    {
        for (int i = 0; i < count; i++) headlines[i].SubtreeEnd = length;
        var open = new Stack<int>();
        for (int i = 0; i < count; i++)
        {
            while (open.Count > 0 && headlines[open.Peek()].Stars >= headlines[i].Stars)
            {
                headlines[open.Pop()].SubtreeEnd = headlines[i].Start;
            }
            open.Push(i);
        }
    }

    /// <summary>Starts an edit. Changes are collected and applied together by
    /// <see cref="OrgEditor.Apply"/>, which returns a new document; this one never changes.</summary>
    public OrgEditor Edit() => new(this);

    /// <summary>A reader over the whole source, with the document's options.</summary>
    public OrgReader CreateReader() => new(_source, Options);

    /// <summary>Copies the source into a new array.</summary>
    public byte[] ToArray() => (byte[])_source.Clone();

    /// <summary>The source decoded as text (each invalid UTF-8 byte as U+FFFD).</summary>
    public override string ToString() => OrgDispatch.Text.Utf8Text.Decode(_source);

    internal ReadOnlySpan<byte> Span => _source;

    /// <summary>The source array itself, for a store writing it out. Never to be changed.</summary>
    internal byte[] SourceArray => _source;

    /// <summary>The options the caller parsed with, before the file's settings.</summary>
    internal OrgSyntaxOptions? BaseOptions { get; }

    internal ref readonly HeadlineRecord Record(int index) => ref _headlines[index];

    internal int IndexAfterSubtree(int index)
    {
        int end = _headlines[index].SubtreeEnd;
        int i = index + 1;
        while (i < _headlineCount && _headlines[i].Start < end) i++;
        return i;
    }

    internal int SectionEnd(int index) => index + 1 < _headlineCount ? _headlines[index + 1].Start : _source.Length;

    internal struct HeadlineRecord(int start, int line, int stars, int parent)
    {
        public readonly int Start = start;
        public readonly int Line = line;
        public readonly int Stars = stars;
        public readonly int Parent = parent;
        public int SubtreeEnd;
    }
}
