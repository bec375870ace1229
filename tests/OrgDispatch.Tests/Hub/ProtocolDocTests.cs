using System.Text.RegularExpressions;
using OrgDispatch.Hub;
using OrgDispatch.Lisp;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Hub;

/// <summary>docs/protocol.md's table of requests says what HubOperations declares: the same ops, in the
/// same order, with the same arguments, each marked optional exactly when it is.</summary>
public sealed partial class ProtocolDocTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "docs", "protocol.md"));

    [Fact]
    public void The_table_of_requests_lists_every_operation_in_order()
    {
        Assert.Equal(HubOperations.All.Select(o => o.Name), Rows().Select(r => r.Op));
    }

    [Fact]
    public void Each_row_names_the_operation_s_arguments_and_which_are_optional()
    {
        var rows = Rows().ToDictionary(r => r.Op);
        foreach (HubOperation op in HubOperations.All)
        {
            var documented = Arguments(rows[op.Name].Arguments);
            Assert.True(op.Arguments.Select(a => (a.Key, a.Required)).SequenceEqual(documented),
                $"\"{op.Name}\": documented {Show(documented)}, declared {Show(op.Arguments.Select(a => (a.Key, a.Required)))}");
        }
    }

    [Fact]
    public void A_request_names_a_missing_argument_and_refuses_an_undeclared_one()
    {
        var missing = Assert.Throws<ArgumentNullException>(() => HubOperations.Claim.Request([("task", null), ("agent", Sexp.String("ann"))]));
        Assert.Equal("task", missing.ParamName);
        Assert.Throws<InvalidOperationException>(() => HubOperations.Poll.Request([("task", Sexp.String("TASK-1"))]));
        Assert.Equal("(:op \"skip\" :task \"T\" :agent \"a\" :reason nil)",
            SexpPrinter.Print(HubOperations.Skip.Request([("task", Sexp.String("T")), ("agent", Sexp.String("a")), ("reason", Sexp.Nil)])));
    }

    private static IEnumerable<(string Op, string Arguments)> Rows() =>
        RowPattern().Matches(Doc).Select(m => (m.Groups["op"].Value, m.Groups["args"].Value));

    // "`:key`" optionally followed by "(optional)" or another remark in parentheses.
    private static List<(string Key, bool Required)> Arguments(string cell) =>
        ArgumentPattern().Matches(cell).Select(m => (m.Groups["key"].Value, !m.Groups["note"].Value.Contains("optional", StringComparison.Ordinal))).ToList();

    private static string Show(IEnumerable<(string Key, bool Required)> args) =>
        "[" + string.Join(", ", args.Select(a => a.Key + (a.Required ? "" : "?"))) + "]";

    [GeneratedRegex(@"^\| `""(?<op>[a-z-]+)""` \| (?<args>[^|]*) \|", RegexOptions.Multiline)]
    private static partial Regex RowPattern();

    [GeneratedRegex(@"`:(?<key>[a-z-]+)`(?: \((?<note>[^)]*)\))?")]
    private static partial Regex ArgumentPattern();
}
