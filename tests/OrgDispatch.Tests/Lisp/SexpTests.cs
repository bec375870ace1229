using OrgDispatch.Lisp;

namespace OrgDispatch.Tests.Lisp;

public sealed class SexpTests
{
    [Theory]
    [InlineData("42", 42L)]
    [InlineData("-7", -7L)]
    [InlineData("+3", 3L)]
    [InlineData("12.", 12L)] // a trailing dot is still an integer, in Emacs and in Common Lisp
    public void Reads_integers(string text, long expected) =>
        Assert.Equal(Sexp.Integer(expected), SexpReader.Read(text));

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("-0.25", -0.25)]
    [InlineData("1e3", 1000.0)]
    [InlineData(".5", 0.5)]
    [InlineData("1.0d0", 1.0)]   // Common Lisp double
    [InlineData("2.5D2", 250.0)]
    [InlineData("1.5f0", 1.5)]   // single, read as a double
    [InlineData("3.0e-2", 0.03)]
    public void Reads_floats(string text, double expected) =>
        Assert.Equal(Sexp.Float(expected), SexpReader.Read(text));

    [Fact]
    public void Reads_Emacs_infinities_and_NaN()
    {
        Assert.Equal(double.PositiveInfinity, ((SexpFloat)SexpReader.Read("1.0e+INF")).Value);
        Assert.Equal(double.NegativeInfinity, ((SexpFloat)SexpReader.Read("-1.0e+INF")).Value);
        Assert.True(double.IsNaN(((SexpFloat)SexpReader.Read("0.0e+NaN")).Value));
    }

    [Theory]
    [InlineData("t")]
    [InlineData("T")]
    public void Reads_t_in_either_case(string text) => Assert.Same(Sexp.T, SexpReader.Read(text));

    [Theory]
    [InlineData("nil")]
    [InlineData("NIL")]
    [InlineData("()")]
    [InlineData("( )")]
    public void Reads_nil_and_the_empty_list_as_one_value(string text) => Assert.True(SexpReader.Read(text).IsNil);

    [Fact]
    public void Keywords_match_without_regard_to_case()
    {
        var cl = (SexpList)SexpReader.Read("(:TYPE :REQUEST :ID 7 :PAYLOAD (:OP \"claim\"))");
        Assert.Equal(7, cl.GetInteger("id"));
        Assert.Equal("claim", cl.GetList("payload")!.GetString("op"));
        Assert.Equal(Sexp.Keyword("request"), cl.Get("type"));
    }

    [Fact]
    public void Symbols_keep_case_and_understand_bars_and_backslashes()
    {
        Assert.Equal(Sexp.Symbol("Foo"), SexpReader.Read("Foo"));
        Assert.Equal(Sexp.Symbol("hello world"), SexpReader.Read("|hello world|"));
        Assert.Equal(Sexp.Symbol("a(b"), SexpReader.Read("a\\(b"));
        Assert.Equal(Sexp.Symbol("abc"), SexpReader.Read("a|b|c"));
        Assert.Equal(Sexp.Symbol("12"), SexpReader.Read("\\12")); // escaped: not a number
        Assert.Equal(Sexp.Keyword("odd key"), SexpReader.Read(":|odd key|"));
    }

    [Fact]
    public void Strings_hold_raw_newlines_and_escapes()
    {
        Assert.Equal(Sexp.String("a\nb"), SexpReader.Read("\"a\nb\""));
        Assert.Equal(Sexp.String("say \"hi\" \\ back"), SexpReader.Read("\"say \\\"hi\\\" \\\\ back\""));
        Assert.Equal(Sexp.String("tab\there"), SexpReader.Read("\"tab\\there\""));
        Assert.Equal(Sexp.String("é→😀"), SexpReader.Read("\"\\xe9;\\u2192\\U0001F600\""));
        Assert.Equal(Sexp.String("joined"), SexpReader.Read("\"joi\\\nned\""));
    }

    [Fact]
    public void Reads_quote_and_skips_comments()
    {
        Assert.Equal(Sexp.List(Sexp.Symbol("quote"), Sexp.Symbol("x")), SexpReader.Read("'x"));
        Assert.Equal(Sexp.List(Sexp.Integer(1), Sexp.Integer(2)), SexpReader.Read("; note\n(1 ; one\n 2)\n"));
    }

    [Theory]
    [InlineData("", "found nothing", 0)]
    [InlineData("(1 2", "Unclosed list", 0)]
    [InlineData("\"abc", "Unterminated string", 0)]
    [InlineData(")", "Unexpected ')'", 0)]
    [InlineData("(a . b)", "Dotted pairs", 3)]
    [InlineData("[1 2]", "Vectors", 0)]
    [InlineData("#'car", "'#' syntax", 0)]
    [InlineData("1 2", "after the s-expression", 2)]
    [InlineData("99999999999999999999", "out of the 64-bit range", 0)]
    [InlineData("|abc", "Unclosed '|'", 0)]
    [InlineData("\"\\uZZZZ\"", "Bad character escape", 1)]
    [InlineData(":", "needs a name", 0)]
    public void Malformed_input_is_a_clear_error_with_the_position(string text, string message, int position)
    {
        var e = Assert.Throws<SexpFormatException>(() => SexpReader.Read(text));
        Assert.Contains(message, e.Message);
        Assert.Equal(position, e.Position);
    }

    [Fact]
    public void Nesting_is_limited()
    {
        string deep = new string('(', 10_000) + new string(')', 10_000);
        var e = Assert.Throws<SexpFormatException>(() => SexpReader.Read(deep));
        Assert.Contains("deeper than 64", e.Message);
        Assert.NotNull(SexpReader.Read(new string('(', 64) + new string(')', 64)));
        Assert.Throws<SexpFormatException>(() => SexpReader.Read(new string('\'', 100) + "x"));
    }

    [Fact]
    public void Prints_for_each_peer()
    {
        var message = Sexp.Plist(("type", Sexp.Keyword("request")), ("id", Sexp.Integer(1)),
            ("payload", Sexp.Plist(("op", Sexp.String("claim")), ("ok", Sexp.T), ("none", Sexp.Nil), ("lease", Sexp.Float(1.5)))));
        Assert.Equal("(:type :request :id 1 :payload (:op \"claim\" :ok t :none nil :lease 1.5))", SexpPrinter.Print(message, LispDialect.Emacs));
        Assert.Equal("(:TYPE :REQUEST :ID 1 :PAYLOAD (:OP \"claim\" :OK T :NONE NIL :LEASE 1.5d0))", SexpPrinter.Print(message, LispDialect.CommonLisp));
    }

    [Theory]
    [InlineData(1.0, "1.0", "1.0d0")]
    [InlineData(-0.5, "-0.5", "-0.5d0")]
    [InlineData(1e20, "1.0e20", "1.0d20")]
    [InlineData(1.5e-7, "1.5e-07", "1.5d-07")]
    public void Floats_print_so_each_peer_reads_a_double(double value, string emacs, string cl)
    {
        Assert.Equal(emacs, SexpPrinter.Print(Sexp.Float(value), LispDialect.Emacs));
        Assert.Equal(cl, SexpPrinter.Print(Sexp.Float(value), LispDialect.CommonLisp));
        Assert.Equal(Sexp.Float(value), SexpReader.Read(emacs));
        Assert.Equal(Sexp.Float(value), SexpReader.Read(cl));
    }

    [Fact]
    public void Symbols_that_need_it_are_quoted_for_each_peer()
    {
        Assert.Equal("hello\\ world", SexpPrinter.Print(Sexp.Symbol("hello world"), LispDialect.Emacs));
        Assert.Equal("|hello world|", SexpPrinter.Print(Sexp.Symbol("hello world"), LispDialect.CommonLisp));
        Assert.Equal("|lower|", SexpPrinter.Print(Sexp.Symbol("lower"), LispDialect.CommonLisp));
        Assert.Equal("UPPER", SexpPrinter.Print(Sexp.Symbol("UPPER"), LispDialect.CommonLisp));
        Assert.Equal("\\12", SexpPrinter.Print(Sexp.Symbol("12"), LispDialect.Emacs));
        Assert.Equal("|12|", SexpPrinter.Print(Sexp.Symbol("12"), LispDialect.CommonLisp));
    }

    [Fact]
    public void Common_Lisp_has_no_infinity_and_no_string_has_a_lone_surrogate()
    {
        Assert.Throws<ArgumentException>(() => SexpPrinter.Print(Sexp.Float(double.PositiveInfinity), LispDialect.CommonLisp));
        Assert.Throws<ArgumentException>(() => SexpPrinter.Print(Sexp.String("\uD800x")));
    }

    [Fact]
    public void Plist_accessors_explain_wrong_types()
    {
        var p = (SexpList)SexpReader.Read("(:task 5 :agents (\"a\" 1))");
        Assert.Contains(":task must be a string", Assert.Throws<FormatException>(() => p.GetString("task")).Message);
        Assert.Contains(":agents must be a list of strings", Assert.Throws<FormatException>(() => p.GetStrings("agents")).Message);
        Assert.Null(p.Get("missing"));
    }
}
