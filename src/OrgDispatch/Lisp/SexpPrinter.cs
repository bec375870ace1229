using System.Globalization;
using System.Text;

namespace OrgDispatch.Lisp;

/// <summary>
/// Prints s-expressions so that the chosen peer's reader gets the same value back:
/// <see cref="LispDialect.Emacs"/> for <c>read</c> in Emacs, <see cref="LispDialect.CommonLisp"/>
/// for the Common Lisp reader (standard readtable, <c>*read-default-float-format*</c> single-float).
/// </summary>
/// <remarks>Strings escape only <c>"</c> and <c>\</c>, as both peers' printers do; newlines and
/// all other characters are written raw. Lists print on one line.</remarks>
public static class SexpPrinter
{
    /// <summary>Prints <paramref name="value"/> for <paramref name="dialect"/>.</summary>
    /// <exception cref="ArgumentException">The value has no printed form in the dialect (an
    /// infinity or NaN for Common Lisp, or a string with an unpaired surrogate).</exception>
    public static string Print(Sexp value, LispDialect dialect = LispDialect.Emacs)
    {
        var sb = new StringBuilder();
        Print(sb, value, dialect);
        return sb.ToString();
    }

    /// <summary>Appends the printed form of <paramref name="value"/> to <paramref name="builder"/>.</summary>
    /// <exception cref="ArgumentException">See <see cref="Print(Sexp, LispDialect)"/>.</exception>
    public static void Print(StringBuilder builder, Sexp value, LispDialect dialect = LispDialect.Emacs)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(value);
        bool cl = dialect == LispDialect.CommonLisp;
        switch (value)
        {
            case SexpList { Count: 0 }:
                builder.Append(cl ? "NIL" : "nil");
                break;
            case SexpList list:
                builder.Append('(');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) builder.Append(' ');
                    Print(builder, list[i], dialect);
                }
                builder.Append(')');
                break;
            case SexpString s:
                if (s.Value.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') && !IsWellFormed(s.Value))
                {
                    throw new ArgumentException("A string with an unpaired surrogate has no UTF-8 form.", nameof(value));
                }
                builder.Append('"');
                foreach (char c in s.Value)
                {
                    if (c is '"' or '\\') builder.Append('\\');
                    builder.Append(c);
                }
                builder.Append('"');
                break;
            case SexpInteger i:
                builder.Append(i.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case SexpFloat f:
                PrintFloat(builder, f.Value, cl);
                break;
            case SexpKeyword k:
                builder.Append(':');
                PrintName(builder, k.Name, cl, keyword: true);
                break;
            case SexpSymbol sym when ReferenceEquals(sym, Sexp.T) || sym.Name == "t":
                builder.Append(cl ? "T" : "t");
                break;
            case SexpSymbol sym:
                PrintName(builder, sym.Name, cl, keyword: false);
                break;
            default:
                throw new ArgumentException($"Unknown s-expression type {value.GetType().Name}.", nameof(value));
        }
    }

    private static void PrintFloat(StringBuilder builder, double d, bool cl)
    {
        if (!double.IsFinite(d))
        {
            if (cl) throw new ArgumentException("Common Lisp has no standard printed form for infinities and NaN.", nameof(d));
            builder.Append(double.IsNaN(d) ? "0.0e+NaN" : d > 0 ? "1.0e+INF" : "-1.0e+INF");
            return;
        }
        // "R" gives the shortest text that reads back to the same double, e.g. "1.5", "1E+20", "-0".
        string r = d.ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E');
        string mantissa = e < 0 ? r : r[..e];
        string exponent = e < 0 ? "0" : r[(e + 1)..].TrimStart('+');
        if (!mantissa.Contains('.')) mantissa += ".0";
        builder.Append(mantissa);
        // Common Lisp reads "1.5" as a single-float; the d marker keeps the double.
        if (cl) builder.Append('d').Append(exponent);
        else if (exponent != "0") builder.Append('e').Append(exponent);
    }

    private static void PrintName(StringBuilder builder, string name, bool cl, bool keyword)
    {
        if (cl)
        {
            // The Common Lisp reader upcases unescaped names, so a keyword (compared without
            // regard to case here) prints upper-case; anything else that would not read back
            // unchanged goes between bars.
            string upper = keyword ? name.ToUpperInvariant() : name;
            if (upper.Length > 0 && IsPlainCommonLispName(upper))
            {
                builder.Append(upper);
                return;
            }
            builder.Append('|');
            foreach (char c in name)
            {
                if (c is '|' or '\\') builder.Append('\\');
                builder.Append(c);
            }
            builder.Append('|');
            return;
        }
        if (name.Length == 0)
        {
            builder.Append("##");
            return;
        }
        // Emacs: escape each character that would end or change the symbol, and a leading
        // character of a name that would otherwise read as a number.
        bool escapeFirst = !keyword && (LooksNumeric(name) || name is "nil" or "NIL" or "T" or "." || name[0] == ':');
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (NeedsEmacsEscape(c) || (i == 0 && (escapeFirst || c is '#' or '?'))) builder.Append('\\');
            builder.Append(c);
        }
    }

    private static bool IsPlainCommonLispName(string name)
    {
        if (LooksNumeric(name) || name is "." or "NIL" or "T") return false;
        foreach (char c in name)
        {
            if (char.IsLower(c) || NeedsEmacsEscape(c) || c is ':' or '#' or '?') return false;
        }
        return true;
    }

    private static bool NeedsEmacsEscape(char c) =>
        char.IsWhiteSpace(c) || c is '(' or ')' or '[' or ']' or '"' or '\'' or ';' or '`' or ',' or '\\' or '|';

    private static bool LooksNumeric(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiDigit(name[0]) || name[0] is '+' or '-' or '.')) return false;
        try
        {
            return SexpReader.Read(name) is SexpInteger or SexpFloat;
        }
        catch (SexpFormatException)
        {
            return false;
        }
    }

    private static bool IsWellFormed(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }
}
