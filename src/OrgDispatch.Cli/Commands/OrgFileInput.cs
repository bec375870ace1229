using System.CommandLine;
using OrgDispatch.Syntax;

namespace OrgDispatch.Cli.Commands;

/// <summary>What the commands that read any Org file (<c>outline</c>, <c>parse</c>) share: the FILE
/// argument, <c>--todo</c>, and reading the file with a clear error.</summary>
internal sealed class OrgFileInput
{
    public Argument<FileInfo> File { get; } = new("FILE") { Description = "The Org file to read." };

    public Option<string[]> Todo { get; } = new("--todo")
    {
        Description = "A TODO keyword sequence such as \"PENDING IN_PROGRESS | DONE\"; repeatable. Replaces the default TODO | DONE; the file's #+TODO lines win.",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>The file's bytes and the syntax options from <c>--todo</c>; false, with the reason
    /// on stderr, when the file cannot be read.</summary>
    public bool TryRead(ParseResult parse, out byte[] bytes, out OrgSyntaxOptions options)
    {
        FileInfo path = parse.GetValue(File)!;
        string[] sequences = parse.GetValue(Todo) ?? [];
        options = sequences.Length == 0 ? OrgSyntaxOptions.Default : new OrgSyntaxOptions { TodoKeywords = TodoKeywordSet.Parse(sequences) };
        try
        {
            bytes = System.IO.File.ReadAllBytes(path.FullName);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            parse.InvocationConfiguration.Error.WriteLine($"org-dispatch: cannot read {path.FullName}: {e.Message}");
            bytes = [];
            return false;
        }
    }
}
