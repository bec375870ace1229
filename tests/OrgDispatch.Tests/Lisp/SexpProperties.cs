using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrgDispatch.Lisp;

namespace OrgDispatch.Tests.Lisp;

public sealed class SexpProperties
{
    [Property(MaxTest = 500, QuietOnSuccess = true)]
    public Property Print_then_read_gives_the_same_value_in_Emacs_style() => PrintThenRead(LispDialect.Emacs);

    [Property(MaxTest = 500, QuietOnSuccess = true)]
    public Property Print_then_read_gives_the_same_value_in_Common_Lisp_style() => PrintThenRead(LispDialect.CommonLisp);

    private static Property PrintThenRead(LispDialect dialect) =>
        Prop.ForAll(Arb.From(SexpGenerators.Value(4)), value =>
        {
            string printed = SexpPrinter.Print(value, dialect);
            Sexp read = SexpReader.Read(printed);
            Assert.True(value.Equals(read), $"printed {printed}\nread back {read}");
        });

    [Property(MaxTest = 2000, QuietOnSuccess = true)]
    public Property Reading_random_text_either_succeeds_or_fails_cleanly() =>
        Prop.ForAll(SexpGenerators.AnyTextArb, text =>
        {
            try
            {
                SexpReader.Read(text);
            }
            catch (SexpFormatException e)
            {
                Assert.InRange(e.Position, 0, text.Length);
            }
        });
}
