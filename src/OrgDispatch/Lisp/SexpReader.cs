using System.Globalization;
using System.Text;

namespace OrgDispatch.Lisp;

/// <summary>
/// Reads the s-expressions Emacs and Common Lisp print: lists, strings, integers, floats
/// (<c>1.5</c>, <c>1e3</c>, Common Lisp's <c>1.0d0</c>, Emacs's <c>1.0e+INF</c>), symbols and
/// keywords (with <c>|…|</c> and backslash escapes), <c>t</c>/<c>T</c>, <c>nil</c>/<c>NIL</c>/<c>()</c>,
/// <c>'x</c> (as <c>(quote x)</c>) and <c>;</c> comments.
/// </summary>
/// <remarks>
/// Liberal in what it accepts from either peer; every error is a <see cref="SexpFormatException"/>
/// with the position, never a hang or a crash. Nesting is limited (<see cref="DefaultMaxDepth"/>),
/// so hostile input cannot exhaust the stack. In strings, Emacs's escapes (<c>\n</c>, <c>\t</c>,
/// <c>\xHH;</c>, <c>\uHHHH</c>, octal, backslash-newline…) are honoured; any other escaped character
/// stands for itself, as in Common Lisp. Neither peer's printer writes those escapes: both escape
/// only <c>"</c> and <c>\</c>. Not supported, each with a clear error: dotted pairs, vectors,
/// <c>#</c> syntax, backquote, character literals.
/// </remarks>
public static class SexpReader
{
    /// <summary>The default nesting limit.</summary>
    public const int DefaultMaxDepth = 64;

    /// <summary>Reads exactly one s-expression; whitespace and comments around it are allowed.</summary>
    /// <param name="text">The printed s-expression.</param>
    /// <param name="maxDepth">The deepest list nesting accepted.</param>
    /// <exception cref="SexpFormatException">The text is empty, malformed, too deep, or has more than one s-expression.</exception>
    public static Sexp Read(ReadOnlySpan<char> text, int maxDepth = DefaultMaxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDepth);
        var reader = new Reader(text, maxDepth);
        reader.SkipBlank();
        if (reader.AtEnd) throw new SexpFormatException("Expected an s-expression, found nothing", 0);
        Sexp value = reader.ReadValue(0);
        reader.SkipBlank();
        if (!reader.AtEnd) throw new SexpFormatException("Unexpected text after the s-expression", reader.Position);
        return value;
    }

    private ref struct Reader(ReadOnlySpan<char> text, int maxDepth)
    {
        private readonly ReadOnlySpan<char> _text = text;
        private int _pos;

        public readonly int Position => _pos;

        public readonly bool AtEnd => _pos >= _text.Length;

        public void SkipBlank()
        {
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c == ';')
                {
                    int nl = _text[_pos..].IndexOf('\n');
                    _pos = nl < 0 ? _text.Length : _pos + nl + 1;
                }
                else if (char.IsWhiteSpace(c)) _pos++;
                else return;
            }
        }

        public Sexp ReadValue(int depth)
        {
            char c = _text[_pos];
            switch (c)
            {
                case '(':
                    return ReadList(depth);
                case ')':
                    throw new SexpFormatException("Unexpected ')'", _pos);
                case '"':
                    return ReadString();
                case '\'':
                    if (depth >= maxDepth) throw new SexpFormatException($"Nesting deeper than {maxDepth}", _pos);
                    int quoteAt = _pos++;
                    SkipBlank();
                    if (AtEnd) throw new SexpFormatException("Nothing after the quote", quoteAt);
                    return new SexpList([new SexpSymbol("quote"), ReadValue(depth + 1)]);
                case '[' or ']':
                    throw new SexpFormatException("Vectors are not supported", _pos);
                case '#':
                    throw new SexpFormatException("'#' syntax is not supported", _pos);
                case '`' or ',':
                    throw new SexpFormatException("Backquote syntax is not supported", _pos);
                case '?':
                    throw new SexpFormatException("Character literals are not supported", _pos);
                default:
                    return ReadAtom();
            }
        }

        private SexpList ReadList(int depth)
        {
            int open = _pos;
            if (depth >= maxDepth) throw new SexpFormatException($"Nesting deeper than {maxDepth}", open);
            _pos++;
            var items = new List<Sexp>();
            while (true)
            {
                SkipBlank();
                if (AtEnd) throw new SexpFormatException("Unclosed list: no ')' for the '('", open);
                if (_text[_pos] == ')')
                {
                    _pos++;
                    return items.Count == 0 ? Sexp.Nil : new SexpList(items.ToArray());
                }
                if (_text[_pos] == '.' && _pos + 1 < _text.Length && IsDelimiter(_text[_pos + 1]))
                {
                    throw new SexpFormatException("Dotted pairs are not supported", _pos);
                }
                items.Add(ReadValue(depth + 1));
            }
        }

        private SexpString ReadString()
        {
            int open = _pos++;
            ReadOnlySpan<char> rest = _text[_pos..];
            int end = rest.IndexOfAny('"', '\\');
            if (end >= 0 && rest[end] == '"')
            {
                // The common case: no escapes, one slice.
                _pos += end + 1;
                return new SexpString(rest[..end].ToString());
            }
            var sb = new StringBuilder();
            while (true)
            {
                if (_pos >= _text.Length) throw new SexpFormatException("Unterminated string", open);
                char c = _text[_pos++];
                if (c == '"') return new SexpString(sb.ToString());
                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }
                if (_pos >= _text.Length) throw new SexpFormatException("Unterminated string", open);
                ReadEscape(sb);
            }
        }

        private void ReadEscape(StringBuilder sb)
        {
            int at = _pos - 1;
            char e = _text[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'e': sb.Append('\x1b'); break;
                case 'd': sb.Append('\x7f'); break;
                case 's': sb.Append(' '); break;
                case '\n': break; // Emacs: an escaped newline is ignored
                case ' ': break;  // Emacs: "\ " is ignored too
                case 'x':
                {
                    int start = _pos;
                    while (_pos < _text.Length && char.IsAsciiHexDigit(_text[_pos])) _pos++;
                    if (_pos < _text.Length && _text[_pos] == ';') AppendCodePoint(sb, _text[start.._pos++], at);
                    else AppendCodePoint(sb, _text[start.._pos], at);
                    break;
                }
                case 'u': AppendCodePoint(sb, Take(4, at), at); break;
                case 'U': AppendCodePoint(sb, Take(8, at), at); break;
                case >= '0' and <= '7':
                {
                    int value = e - '0';
                    for (int i = 0; i < 2 && _pos < _text.Length && _text[_pos] is >= '0' and <= '7'; i++) value = value * 8 + (_text[_pos++] - '0');
                    sb.Append((char)value);
                    break;
                }
                default: sb.Append(e); break; // Common Lisp: the escaped character stands for itself
            }
        }

        private ReadOnlySpan<char> Take(int count, int at)
        {
            if (_pos + count > _text.Length) throw new SexpFormatException("Truncated escape", at);
            ReadOnlySpan<char> digits = _text.Slice(_pos, count);
            _pos += count;
            return digits;
        }

        private static void AppendCodePoint(StringBuilder sb, ReadOnlySpan<char> hex, int at)
        {
            if (hex.IsEmpty || hex.Length > 8 || !int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value) || !Rune.IsValid(value))
            {
                throw new SexpFormatException($"Bad character escape \"{hex}\"", at);
            }
            sb.Append(new Rune(value).ToString());
        }

        private Sexp ReadAtom()
        {
            int start = _pos;
            StringBuilder? escaped = null; // set once an escape is seen: the name then differs from the text
            bool anyEscape = false;
            while (_pos < _text.Length && !IsDelimiter(_text[_pos]))
            {
                char c = _text[_pos];
                if (c == '\\')
                {
                    escaped ??= new StringBuilder().Append(_text[start.._pos]);
                    anyEscape = true;
                    if (++_pos >= _text.Length) throw new SexpFormatException("Nothing after '\\' in a symbol", _pos - 1);
                    escaped.Append(_text[_pos++]);
                }
                else if (c == '|')
                {
                    escaped ??= new StringBuilder().Append(_text[start.._pos]);
                    anyEscape = true;
                    int bar = _pos++;
                    while (true)
                    {
                        if (_pos >= _text.Length) throw new SexpFormatException("Unclosed '|' in a symbol", bar);
                        char q = _text[_pos++];
                        if (q == '|') break;
                        if (q == '\\')
                        {
                            if (_pos >= _text.Length) throw new SexpFormatException("Unclosed '|' in a symbol", bar);
                            q = _text[_pos++];
                        }
                        escaped.Append(q);
                    }
                }
                else
                {
                    escaped?.Append(c);
                    _pos++;
                }
            }
            if (_pos == start) throw new SexpFormatException($"Unexpected '{_text[_pos]}'", _pos);
            ReadOnlySpan<char> token = _text[start.._pos];
            if (!anyEscape)
            {
                if (TryNumber(token, start) is { } number) return number;
                if (token is "t" or "T") return Sexp.T;
                if (token is "nil" or "NIL") return Sexp.Nil;
            }
            string name = escaped?.ToString() ?? token.ToString();
            if (name.StartsWith(':') && token[0] == ':')
            {
                if (name.Length == 1) throw new SexpFormatException("A keyword needs a name after ':'", start);
                return new SexpKeyword(name[1..]);
            }
            return new SexpSymbol(name);
        }

        /// <summary>An integer (<c>42</c>, <c>-7</c>, <c>+3</c>, <c>12.</c>) or a float, or null for a symbol.</summary>
        private static Sexp? TryNumber(ReadOnlySpan<char> token, int at)
        {
            int i = token[0] is '+' or '-' ? 1 : 0;
            int intDigits = CountDigits(token[i..]);
            int j = i + intDigits;
            if (intDigits > 0 && (j == token.Length || (j == token.Length - 1 && token[j] == '.')))
            {
                if (!long.TryParse(token[..j], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
                {
                    throw new SexpFormatException($"Integer {token} is out of the 64-bit range", at);
                }
                return new SexpInteger(value);
            }
            int fracDigits = 0;
            if (j < token.Length && token[j] == '.')
            {
                fracDigits = CountDigits(token[(j + 1)..]);
                j += 1 + fracDigits;
            }
            if (intDigits + fracDigits == 0) return null;
            int mantissaEnd = j;
            if (j < token.Length)
            {
                if ((token[j] | 0x20) is not ('e' or 'd' or 'f' or 's' or 'l')) return null;
                ReadOnlySpan<char> exponent = token[(j + 1)..];
                if (exponent is "+INF" or "+NaN")
                {
                    if ((token[j] | 0x20) != 'e' || fracDigits == 0) return null;
                    bool negative = token[0] == '-';
                    return new SexpFloat(exponent is "+NaN" ? double.NaN : negative ? double.NegativeInfinity : double.PositiveInfinity);
                }
                int k = exponent.Length > 0 && exponent[0] is '+' or '-' ? 1 : 0;
                if (exponent.Length == k || CountDigits(exponent[k..]) != exponent.Length - k) return null;
            }
            else if (fracDigits == 0)
            {
                return null; // "1." was handled as an integer; "." or "+." are symbols
            }
            Span<char> buffer = token.Length <= 128 ? stackalloc char[token.Length] : new char[token.Length];
            token.CopyTo(buffer);
            if (mantissaEnd < token.Length) buffer[mantissaEnd] = 'e';
            if (!double.TryParse(buffer, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
            {
                throw new SexpFormatException($"Bad float {token}", at);
            }
            return new SexpFloat(d);
        }

        private static int CountDigits(ReadOnlySpan<char> s)
        {
            int n = s.IndexOfAnyExceptInRange('0', '9');
            return n < 0 ? s.Length : n;
        }

        private static bool IsDelimiter(char c) => char.IsWhiteSpace(c) || c is '(' or ')' or '"' or '\'' or ';' or '`' or ',' or '[' or ']';
    }
}
