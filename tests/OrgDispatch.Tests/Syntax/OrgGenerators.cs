using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace OrgDispatch.Tests.Syntax;

/// <summary>FsCheck generators of Org-like documents: real constructs, near misses and noise.</summary>
internal static class OrgGenerators
{
    private static readonly string[] Fragments =
    [
        "* PENDING [#A] Task :a:b:", "** IN_PROGRESS Sub", "* DONE Done", "*** COMMENT x :ARCHIVE:", "* ", "*", "*bold*", "*\ttab", "**  :t:",
        "SCHEDULED: <2026-01-01 Thu>", "DEADLINE: <2026-01-01 Thu 10:00 +1w -2d>", "CLOSED: [2026-01-01 Thu]", "scheduled: <bad",
        ":PROPERTIES:", ":ID: T-1", ":CLAIMED_BY: timmy", ":a:\tb", ":: x", ":END:", ":end:", ":LOGBOOK:", "- State \"DONE\" from \"TODO\" [2026-01-01 Thu]",
        "#+begin_src sh", "#+end_src", "#+BEGIN_QUOTE", "#+END_QUOTE", "#+begin_note", "#+end_note", "#+BEGIN: clocktable", "#+END:",
        "#+TODO: PENDING IN_PROGRESS | DONE", "#+STARTUP: odd", "#+TITLE: t", "#+CAPTION[s]: c", "#+call: f()",
        "- item", "+ [ ] box", "1. one", "2) two", "  * star item", "| a | b |", "|---+---|", "+--+--+", "-----",
        "CLOCK: [2026-01-01 Thu 10:00]", "# comment", "#", ": fixed", ":", "[fn:1] note", "%%(diary)", "\\begin{eq}", "\\end{eq}",
        "", "   ", "\t", "plain text", "ü ñ 😀 text", "[#A]", ",* escaped",
    ];

    public static Gen<string> Line =>
        Gen.OneOf(
            Gen.Elements(Fragments),
            Gen.Elements(Fragments).SelectMany(a => Gen.Elements(Fragments).Select(b => a + " " + b)),
            ArbMap.Default.GeneratorFor<string>().Select(s => (s ?? "").Replace("\n", "")));

    public static Gen<string> Newline => Gen.Frequency((8, Gen.Constant("\n")), (2, Gen.Constant("\r\n")), (1, Gen.Constant("\r")));

    /// <summary>A document of fragment lines with mixed line ends, maybe a BOM, maybe no final newline.</summary>
    public static Gen<byte[]> Document =>
        from lines in Gen.ListOf(Line.SelectMany(l => Newline.Select(n => l + n)))
        from bom in Gen.Elements(false, false, false, true)
        from trim in Gen.Elements(false, true)
        select Encode(bom, lines, trim);

    /// <summary>Raw bytes biased towards Org's structural characters.</summary>
    public static Gen<byte[]> Bytes =>
        Gen.ArrayOf(Gen.Frequency(
            (6, Gen.Elements("* :#+-|[]<>\n\r\t ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789".Select(c => (byte)c).ToArray())),
            (2, ArbMap.Default.GeneratorFor<byte>()),
            (1, Gen.Elements<byte>(0xEF, 0xBB, 0xBF, 0xC3, 0xA9, 0xFF, 0x80, 0xE2, 0x82))));

    private static byte[] Encode(bool bom, IEnumerable<string> lines, bool trim)
    {
        string text = string.Concat(lines);
        if (trim) text = text.TrimEnd('\n', '\r');
        byte[] body = Encoding.UTF8.GetBytes(text);
        return bom ? [0xEF, 0xBB, 0xBF, .. body] : body;
    }

    /// <summary><see cref="Document"/> as an Arbitrary: a failure shrinks by dropping and simplifying
    /// bytes (any bytes must round-trip, so every shrunk input is a valid case).</summary>
    public static Arbitrary<byte[]> DocumentArb => Arb.From(Document, ShrinkBytes);

    /// <summary><see cref="Bytes"/> as an Arbitrary, shrinking the same way.</summary>
    public static Arbitrary<byte[]> BytesArb => Arb.From(Bytes, ShrinkBytes);

    private static IEnumerable<byte[]> ShrinkBytes(byte[] bytes) => ArbMap.Default.ArbFor<byte[]>().Shrinker(bytes);
}
