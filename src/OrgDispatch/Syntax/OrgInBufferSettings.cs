using System.Text;
using OrgDispatch.Text;

namespace OrgDispatch.Syntax;

/// <summary>The in-buffer settings of one Org file that change how it parses: <c>#+TODO:</c>,
/// <c>#+SEQ_TODO:</c>, <c>#+TYP_TODO:</c> (several lines allowed), <c>#+STARTUP: odd</c> /
/// <c>oddeven</c>, and <c>#+FILETAGS:</c>. As in Org, only real keyword lines count (not lines
/// inside a block), wherever they stand in the file, and keys are case-insensitive.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class OrgInBufferSettings
{
    private OrgInBufferSettings(OrgSyntaxOptions options, IReadOnlyList<string> fileTags, IReadOnlyList<string> todoSequences)
    {
        Options = options;
        FileTags = fileTags;
        TodoSequences = todoSequences;
    }

    /// <summary>The options to read the file with: the file's TODO keywords when it declares any,
    /// else the caller's; odd levels when <c>#+STARTUP</c> says so.</summary>
    public OrgSyntaxOptions Options { get; }

    /// <summary>Tags from <c>#+FILETAGS:</c>, inherited by every headline.</summary>
    public IReadOnlyList<string> FileTags { get; }

    /// <summary>The TODO keyword sequences the file declares, in Org's order (TYP_TODO, TODO, SEQ_TODO); empty when none.</summary>
    public IReadOnlyList<string> TodoSequences { get; }

    /// <summary>Scans <paramref name="utf8Text"/> for in-buffer settings.</summary>
    /// <param name="utf8Text">The whole file as UTF-8.</param>
    /// <param name="baseOptions">The caller's options; the file's settings override them.</param>
    public static OrgInBufferSettings Read(ReadOnlySpan<byte> utf8Text, OrgSyntaxOptions? baseOptions = null)
    {
        var collector = new Collector();
        var reader = new OrgReader(utf8Text, baseOptions);
        while (reader.Read())
        {
            if (reader.TokenKind == OrgTokenKind.Keyword) collector.Add(utf8Text, reader.Token);
        }
        return collector.Build(baseOptions ?? OrgSyntaxOptions.Default);
    }

    /// <summary>Collects settings from keyword tokens seen during another walk, so a caller that
    /// reads the file anyway need not read it twice.</summary>
    internal sealed class Collector
    {
        private List<string>? _typ, _todo, _seq, _fileTags;
        private bool? _odd;

        public void Add(ReadOnlySpan<byte> text, OrgToken keyword)
        {
            ReadOnlySpan<byte> key = keyword.Name.Of(text);
            if (key.Length is < 4 or > 8) return;
            if (Ascii.EqualsIgnoreCase(key, "TODO"u8)) (_todo ??= []).Add(Value(text, keyword));
            else if (Ascii.EqualsIgnoreCase(key, "SEQ_TODO"u8)) (_seq ??= []).Add(Value(text, keyword));
            else if (Ascii.EqualsIgnoreCase(key, "TYP_TODO"u8)) (_typ ??= []).Add(Value(text, keyword));
            else if (Ascii.EqualsIgnoreCase(key, "STARTUP"u8))
            {
                foreach (string word in Split(Value(text, keyword)))
                {
                    if (word.Equals("odd", StringComparison.OrdinalIgnoreCase)) _odd = true;
                    else if (word.Equals("oddeven", StringComparison.OrdinalIgnoreCase)) _odd = false;
                }
            }
            else if (Ascii.EqualsIgnoreCase(key, "FILETAGS"u8))
            {
                foreach (string word in Split(Value(text, keyword)))
                {
                    foreach (string tag in word.Split(':', StringSplitOptions.RemoveEmptyEntries)) (_fileTags ??= []).Add(tag);
                }
            }
        }

        public OrgInBufferSettings Build(OrgSyntaxOptions baseOptions)
        {
            var sequences = new List<string>();
            if (_typ != null) sequences.AddRange(_typ);
            if (_todo != null) sequences.AddRange(_todo);
            if (_seq != null) sequences.AddRange(_seq);
            OrgSyntaxOptions options = baseOptions;
            if (sequences.Count > 0 || (_odd.HasValue && _odd.Value != baseOptions.OddLevelsOnly))
            {
                options = new OrgSyntaxOptions
                {
                    TodoKeywords = sequences.Count > 0 ? TodoKeywordSet.Parse(sequences) : baseOptions.TodoKeywords,
                    OddLevelsOnly = _odd ?? baseOptions.OddLevelsOnly,
                    MaxNesting = baseOptions.MaxNesting,
                };
            }
            return new OrgInBufferSettings(options, (IReadOnlyList<string>?)_fileTags ?? [], sequences);
        }

        private static string Value(ReadOnlySpan<byte> text, OrgToken keyword) => Utf8Text.Decode(keyword.Value.Of(text));

        private static string[] Split(string value) =>
            value.Split([' ', '\t', '\n', '\r', '\f', '\v'], StringSplitOptions.RemoveEmptyEntries);
    }
}
