using FsCheck;
using FsCheck.Fluent;
using OrgDispatch.Lisp;

namespace OrgDispatch.Tests.Lisp;

/// <summary>Random s-expressions and strings with the characters that break naive code: quotes,
/// backslashes, newlines, non-ASCII and astral-plane characters.</summary>
internal static class SexpGenerators
{
    private static readonly string[] Pieces =
        ["a", "Z", " ", "\"", "\\", "\n", "\r\n", "\t", "(", ")", ";", "|", "é", "→", "日本", "😀", "𝄞", "\u0000", "0", "9", ":", "'", "#"];

    public static Gen<string> AnyText() =>
        from n in Gen.Choose(0, 12)
        from parts in Gen.ArrayOf(Gen.Elements(Pieces), n)
        select string.Concat(parts);

    private static Gen<string> Name() =>
        from n in Gen.Choose(1, 8)
        from parts in Gen.ArrayOf(Gen.Elements("a", "b", "Q", "-", "_", "1", "é", " ", "(", "|", "\\", ".", "?", "😀", ":"), n)
        let name = string.Concat(parts)
        where name is not ("t" or "nil" or "NIL" or "T")
        select name;

    private static Gen<Sexp> Atom() => Gen.OneOf(
        AnyText().Select(s => (Sexp)Sexp.String(s)),
        Gen.Choose(int.MinValue, int.MaxValue).Select(i => (Sexp)Sexp.Integer(i * 3L)),
        Gen.Elements(0.0, -1.5, 3.25e-9, 6.02e23, double.Epsilon, 1.0 / 3).Select(d => (Sexp)Sexp.Float(d)),
        Name().Select(n => (Sexp)Sexp.Symbol(n)),
        Name().Select(n => (Sexp)Sexp.Keyword(n.ToLowerInvariant())),
        Gen.Elements<Sexp>(Sexp.T, Sexp.Nil));

    public static Gen<Sexp> Value(int depth) => depth == 0
        ? Atom()
        : Gen.Frequency(
            (3, Atom()),
            (1, from n in Gen.Choose(0, 5) from items in Gen.ArrayOf(Value(depth - 1), n) select (Sexp)(items.Length == 0 ? Sexp.Nil : Sexp.List(items))));

    /// <summary><see cref="AnyText"/> as an Arbitrary whose failures shrink to shorter, simpler strings.</summary>
    public static Arbitrary<string> AnyTextArb => Arb.From(AnyText(), text => ArbMap.Default.ArbFor<string>().Shrinker(text).Where(t => t is not null));
}
