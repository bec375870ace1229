using System.Collections;
using System.Globalization;

namespace OrgDispatch.Lisp;

/// <summary>
/// An s-expression as Harness Communication peers exchange them: lists (and so property lists),
/// strings, integers, floats, symbols and keywords. <c>nil</c> and <c>()</c> are the same value,
/// <see cref="Nil"/>, as in Lisp; <c>t</c> is <see cref="T"/>.
/// </summary>
/// <remarks>Immutable and thread-safe. Values compare by content; keywords compare without regard
/// to case (a Common Lisp peer writes <c>:TYPE</c> where Emacs writes <c>:type</c>).
/// <see cref="ToString"/> prints for Emacs; use <see cref="SexpPrinter"/> to choose the peer.</remarks>
public abstract class Sexp : IEquatable<Sexp>
{
    private protected Sexp() { }

    /// <summary>The empty list, which Lisp also spells <c>nil</c>: false, nothing, none.</summary>
    public static SexpList Nil { get; } = new([]);

    /// <summary>The symbol <c>t</c>: true.</summary>
    public static SexpSymbol T { get; } = new("t");

    /// <summary>A string.</summary>
    public static SexpString String(string value) => new(value);

    /// <summary>An integer.</summary>
    public static SexpInteger Integer(long value) => new(value);

    /// <summary>A float.</summary>
    public static SexpFloat Float(double value) => new(value);

    /// <summary>A keyword, given without its colon: <c>Keyword("op")</c> is <c>:op</c>.</summary>
    public static SexpKeyword Keyword(string name) => new(name);

    /// <summary>A symbol.</summary>
    public static SexpSymbol Symbol(string name) => new(name);

    /// <summary><see cref="T"/> for true, <see cref="Nil"/> for false.</summary>
    public static Sexp Bool(bool value) => value ? T : Nil;

    /// <summary>A string, or <see cref="Nil"/> for null.</summary>
    public static Sexp StringOrNil(string? value) => value is null ? Nil : new SexpString(value);

    /// <summary>A list of the items.</summary>
    public static SexpList List(params IEnumerable<Sexp> items) => new(items.ToArray());

    /// <summary>A property list from keyword names and values; a null value becomes <see cref="Nil"/>.</summary>
    public static SexpList Plist(params IEnumerable<(string Key, Sexp? Value)> pairs)
    {
        var items = new List<Sexp>();
        foreach ((string key, Sexp? value) in pairs)
        {
            items.Add(new SexpKeyword(key));
            items.Add(value ?? Nil);
        }
        return new SexpList(items.ToArray());
    }

    /// <summary>Reads one s-expression (see <see cref="SexpReader"/>).</summary>
    /// <exception cref="SexpFormatException">The text is not one well-formed s-expression.</exception>
    public static Sexp Parse(string text) => SexpReader.Read(text);

    /// <summary>Whether this is Lisp's false: <c>nil</c>, the empty list.</summary>
    public bool IsNil => this is SexpList { Count: 0 };

    /// <inheritdoc/>
    public abstract bool Equals(Sexp? other);

    /// <inheritdoc/>
    public sealed override bool Equals(object? obj) => obj is Sexp s && Equals(s);

    /// <inheritdoc/>
    public abstract override int GetHashCode();

    /// <summary>The Emacs printed representation.</summary>
    public sealed override string ToString() => SexpPrinter.Print(this, LispDialect.Emacs);
}

/// <summary>A string.</summary>
/// <param name="value">The text.</param>
public sealed class SexpString(string value) : Sexp
{
    /// <summary>The text.</summary>
    public string Value { get; } = value ?? throw new ArgumentNullException(nameof(value));

    /// <inheritdoc/>
    public override bool Equals(Sexp? other) => other is SexpString s && s.Value == Value;

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode(StringComparison.Ordinal);
}

/// <summary>An integer (64-bit; larger integers are refused by the reader).</summary>
/// <param name="value">The value.</param>
public sealed class SexpInteger(long value) : Sexp
{
    /// <summary>The value.</summary>
    public long Value { get; } = value;

    /// <inheritdoc/>
    public override bool Equals(Sexp? other) => other is SexpInteger i && i.Value == Value;

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();
}

/// <summary>A float (a double; Common Lisp's <c>1.0d0</c> and Emacs's <c>1.0</c> both read as one).</summary>
/// <param name="value">The value.</param>
public sealed class SexpFloat(double value) : Sexp
{
    /// <summary>The value.</summary>
    public double Value { get; } = value;

    /// <inheritdoc/>
    public override bool Equals(Sexp? other) => other is SexpFloat f && f.Value.Equals(Value);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();
}

/// <summary>A symbol other than a keyword. Names are case-sensitive, as in Emacs, except that
/// <c>T</c> reads as <see cref="Sexp.T"/> and <c>NIL</c> as <see cref="Sexp.Nil"/>.</summary>
/// <param name="name">The name, without escapes.</param>
public sealed class SexpSymbol(string name) : Sexp
{
    /// <summary>The name, without escapes.</summary>
    public string Name { get; } = name ?? throw new ArgumentNullException(nameof(name));

    /// <inheritdoc/>
    public override bool Equals(Sexp? other) => other is SexpSymbol s && s.Name == Name;

    /// <inheritdoc/>
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}

/// <summary>A keyword (<c>:op</c>). Compared without regard to case.</summary>
/// <param name="name">The name without the colon.</param>
public sealed class SexpKeyword(string name) : Sexp
{
    /// <summary>The name without the colon, as written.</summary>
    public string Name { get; } = name ?? throw new ArgumentNullException(nameof(name));

    /// <summary>Whether this keyword is <c>:<paramref name="name"/></c>, without regard to case.</summary>
    public bool Is(string name) => string.Equals(Name, name, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override bool Equals(Sexp? other) => other is SexpKeyword k && Is(k.Name);

    /// <inheritdoc/>
    public override int GetHashCode() => Name.GetHashCode(StringComparison.OrdinalIgnoreCase);
}

/// <summary>A proper list; the empty list is <c>nil</c>. Property-list accessors read it as
/// alternating keywords and values.</summary>
public sealed class SexpList : Sexp, IReadOnlyList<Sexp>
{
    private readonly Sexp[] _items;

    /// <summary>A list of <paramref name="items"/> (copied).</summary>
    public SexpList(IEnumerable<Sexp> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = items.ToArray();
        foreach (Sexp item in _items) ArgumentNullException.ThrowIfNull(item, nameof(items));
    }

    internal SexpList(Sexp[] items) => _items = items;

    /// <summary>The number of items.</summary>
    public int Count => _items.Length;

    /// <summary>The item at <paramref name="index"/>.</summary>
    public Sexp this[int index] => _items[index];

    /// <summary>The value after keyword <c>:<paramref name="key"/></c> (any case), or null when the
    /// key is absent. Reads the list as a property list: keys at even positions.</summary>
    public Sexp? Get(string key)
    {
        for (int i = 0; i + 1 < _items.Length; i += 2)
        {
            if (_items[i] is SexpKeyword k && k.Is(key)) return _items[i + 1];
        }
        return null;
    }

    /// <summary>The string after <c>:<paramref name="key"/></c>; null when absent or nil.</summary>
    /// <exception cref="FormatException">The value is neither a string nor nil.</exception>
    public string? GetString(string key) => Get(key) switch
    {
        null => null,
        SexpString s => s.Value,
        { IsNil: true } => null,
        SexpSymbol sym => sym.Name,
        SexpKeyword kw => kw.Name,
        var other => throw new FormatException($":{key} must be a string, not {other}."),
    };

    /// <summary>The integer after <c>:<paramref name="key"/></c>; null when absent or nil.</summary>
    /// <exception cref="FormatException">The value is neither an integer nor nil.</exception>
    public long? GetInteger(string key) => Get(key) switch
    {
        null => null,
        SexpInteger i => i.Value,
        { IsNil: true } => null,
        var other => throw new FormatException($":{key} must be an integer, not {other}."),
    };

    /// <summary>The list after <c>:<paramref name="key"/></c>; null when absent (nil is the empty list).</summary>
    /// <exception cref="FormatException">The value is not a list.</exception>
    public SexpList? GetList(string key) => Get(key) switch
    {
        null => null,
        SexpList l => l,
        var other => throw new FormatException($":{key} must be a list, not {other}."),
    };

    /// <summary>Whether <c>:<paramref name="key"/></c> is present and not nil.</summary>
    public bool GetBool(string key) => Get(key) is { IsNil: false };

    /// <summary>The strings of a list value (<c>("a" "b")</c>), or empty when absent or nil.</summary>
    /// <exception cref="FormatException">The value is not a list of strings.</exception>
    public IReadOnlyList<string> GetStrings(string key)
    {
        SexpList? list = GetList(key);
        if (list is null) return [];
        var result = new string[list.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = list[i] is SexpString s ? s.Value : throw new FormatException($":{key} must be a list of strings, not {list}.");
        }
        return result;
    }

    /// <inheritdoc/>
    public IEnumerator<Sexp> GetEnumerator() => ((IEnumerable<Sexp>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override bool Equals(Sexp? other) => other is SexpList l && _items.AsSpan().SequenceEqual(l._items);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (Sexp item in _items) hash.Add(item);
        return hash.ToHashCode();
    }
}

/// <summary>The peer a printed s-expression is meant for.</summary>
public enum LispDialect
{
    /// <summary>Emacs Lisp: keywords as given (<c>:type</c>), <c>t</c> and <c>nil</c>, floats as <c>1.5</c>,
    /// symbols escaped with backslashes.</summary>
    Emacs,

    /// <summary>Common Lisp: keywords in upper case (<c>:TYPE</c>), <c>T</c> and <c>NIL</c>, floats as
    /// doubles (<c>1.5d0</c>), symbols that need it quoted with <c>|…|</c>.</summary>
    CommonLisp,
}

/// <summary>An s-expression that cannot be read: what is wrong, and where.</summary>
public sealed class SexpFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="position">The character offset in the text where the problem was found.</param>
    public SexpFormatException(string message, int position)
        : base(string.Create(CultureInfo.InvariantCulture, $"{message} (at character {position})."))
    {
        Position = position;
    }

    /// <summary>The character offset (UTF-16 units, from 0) where the problem was found.</summary>
    public int Position { get; }
}
