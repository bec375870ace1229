using System.Text;

namespace OrgDispatch.Syntax;

/// <summary>The TODO keywords a file uses: one or more sequences such as
/// <c>"PENDING IN_PROGRESS | DONE"</c>, parsed the way Org parses <c>#+TODO:</c> lines.</summary>
/// <remarks>Immutable and thread-safe. Matching a headline against the set does not allocate.</remarks>
public sealed class TodoKeywordSet
{
    private readonly byte[][] _utf8;
    private readonly bool[] _done;

    /// <summary>Org's default, <c>TODO | DONE</c>.</summary>
    public static TodoKeywordSet Default { get; } = Parse(["TODO | DONE"]);

    private TodoKeywordSet(List<string> names, List<bool> done)
    {
        Keywords = names.ToArray();
        _done = done.ToArray();
        _utf8 = new byte[names.Count][];
        for (int i = 0; i < names.Count; i++) _utf8[i] = Encoding.UTF8.GetBytes(names[i]);
    }

    /// <summary>Every keyword, in declaration order, without fast-access keys or logging marks.</summary>
    public IReadOnlyList<string> Keywords { get; }

    /// <summary>Parses keyword sequences. Each sequence is split on whitespace; <c>|</c> separates
    /// the not-done keywords from the done ones (without it, the last keyword is the done one);
    /// a trailing <c>(…)</c> such as <c>(w@/!)</c> is stripped, as Org does.</summary>
    /// <param name="sequences">One string per sequence, as written after <c>#+TODO:</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sequences"/> is null.</exception>
    public static TodoKeywordSet Parse(IEnumerable<string> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var names = new List<string>();
        var done = new List<bool>();
        foreach (string sequence in sequences)
        {
            string[] words = sequence.Split([' ', '\t', '\n', '\r', '\f', '\v'], StringSplitOptions.RemoveEmptyEntries);
            int bar = Array.IndexOf(words, "|");
            int firstDone = bar >= 0 ? bar : words.Length - 1;
            for (int i = 0; i < words.Length; i++)
            {
                if (i == bar) continue;
                string name = StripMarks(words[i]);
                if (name.Length == 0 || names.Contains(name)) continue;
                names.Add(name);
                done.Add(bar >= 0 ? i > bar : i == firstDone);
            }
        }
        return new TodoKeywordSet(names, done);
    }

    /// <summary>Whether <paramref name="keyword"/> is one of the done keywords (after <c>|</c>).</summary>
    public bool IsDone(string keyword)
    {
        int i = Array.IndexOf((string[])Keywords, keyword);
        return i >= 0 && _done[i];
    }

    /// <summary>Whether the set contains <paramref name="keyword"/> (case-sensitive).</summary>
    public bool Contains(string keyword) => Array.IndexOf((string[])Keywords, keyword) >= 0;

    /// <summary>Finds the keyword that <paramref name="text"/> starts with, followed by a space,
    /// as Org matches a headline's keyword; returns its byte length, or 0.</summary>
    internal int MatchAtStart(ReadOnlySpan<byte> text)
    {
        byte[][] all = _utf8;
        for (int i = 0; i < all.Length; i++)
        {
            byte[] k = all[i];
            if (text.Length > k.Length && text[k.Length] == (byte)' ' && text.StartsWith(k)) return k.Length;
        }
        return 0;
    }

    // Org: "^\(.*?\)\(?:(\([^!@/]\)?.*?)\)?$" keeps the text before the first "(" when the word ends with ")".
    private static string StripMarks(string word)
    {
        int open = word.IndexOf('(');
        return open >= 0 && word.EndsWith(')') ? word[..open] : word;
    }
}
