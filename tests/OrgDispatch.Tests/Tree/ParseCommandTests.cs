using System.Text.Json;
using OrgDispatch.Cli;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Tree;

/// <summary><c>org-dispatch parse FILE [--json | --html]</c>.</summary>
public sealed class ParseCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _file;

    public ParseCommandTests()
    {
        _file = _dir.File("notes.org");
        File.WriteAllText(_file, "#+TODO: WAIT | GONE\n* WAIT Read [[https://orgmode.org][the manual]] :docs:\nSome *bold*.\n");
    }

    public void Dispose() => _dir.Dispose();

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Json_is_the_whole_tree_with_org_element_names()
    {
        var (code, output, _) = await Run("parse", _file, "--json");
        Assert.Equal(ExitCodes.Success, code);
        JsonElement root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("org-data", root.GetProperty("type").GetString());
        JsonElement headline = root.GetProperty("children")[1];
        Assert.Equal("headline", headline.GetProperty("type").GetString());
        Assert.Equal("WAIT", headline.GetProperty("properties").GetProperty("todo-keyword").GetString());
        JsonElement link = headline.GetProperty("properties").GetProperty("title")[1];
        Assert.Equal(("link", "https", "//orgmode.org"), (link.GetProperty("type").GetString(), link.GetProperty("properties").GetProperty("type").GetString(), link.GetProperty("properties").GetProperty("path").GetString()));
    }

    [Fact]
    public async Task Html_is_the_body_ox_html_would_write()
    {
        var (code, output, _) = await Run("parse", _file, "--html");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("<span class=\"todo WAIT\">WAIT</span> Read", output, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://orgmode.org\">the manual</a>", output, StringComparison.Ordinal);
        Assert.Contains("<p>\nSome <b>bold</b>.\n</p>", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outline_lists_each_node_with_its_line()
    {
        var (code, output, _) = await Run("parse", _file);
        Assert.Equal(ExitCodes.Success, code);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("     1  org-data", lines[0]);
        Assert.Contains("     2    headline", lines);
        Assert.Contains(lines, l => l.StartsWith("     3", StringComparison.Ordinal) && l.TrimStart(' ', '3').StartsWith("bold", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_file_or_two_formats_are_usage_errors_with_a_reason()
    {
        var (code, _, error) = await Run("parse", _dir.File("missing.org"), "--json");
        Assert.Equal(ExitCodes.UsageOrTransport, code);
        Assert.Contains("cannot read", error, StringComparison.Ordinal);
        (code, _, error) = await Run("parse", _file, "--json", "--html");
        Assert.Equal(ExitCodes.UsageOrTransport, code);
        Assert.Contains("give one of them", error, StringComparison.Ordinal);
    }
}
