using FsCheck;
using FsCheck.Fluent;
using OrgDispatch.Lisp;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Lisp;

public sealed class SexpProperties
{
    private static readonly Config Config = Properties.Config(500);

    [Theory]
    [InlineData(LispDialect.Emacs)]
    [InlineData(LispDialect.CommonLisp)]
    public void Print_then_read_gives_the_same_value(LispDialect dialect) =>
        Check.One(Config, Prop.ForAll(Arb.From(SexpGenerators.Value(4)), value =>
        {
            string printed = SexpPrinter.Print(value, dialect);
            Sexp read = SexpReader.Read(printed);
            Assert.True(value.Equals(read), $"printed {printed}\nread back {read}");
        }));

    [Fact]
    public void Reading_random_text_either_succeeds_or_fails_cleanly() =>
        Check.One(Config.WithMaxTest(2000), Prop.ForAll(Arb.From(SexpGenerators.AnyText()), text =>
        {
            try
            {
                SexpReader.Read(text);
            }
            catch (SexpFormatException e)
            {
                Assert.InRange(e.Position, 0, text.Length);
            }
        }));
}
