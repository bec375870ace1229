using System.CommandLine;
using OrgDispatch.Cli.Output;
using OrgDispatch.Rendering;
using OrgDispatch.Syntax;
using OrgDispatch.Tree;

namespace OrgDispatch.Cli.Commands;

/// <summary><c>org-dispatch parse FILE [--json | --html]</c>: the whole syntax tree of an Org file.</summary>
internal static class ParseCommand
{
    public static Command Build()
    {
        var input = new OrgFileInput();
        var json = new Option<bool>("--json")
        {
            Description = "Print the tree as JSON, one object per node, with org-element's type names and Emacs's positions (see docs/cli.md).",
        };
        var html = new Option<bool>("--html")
        {
            Description = "Print the document as the HTML body Emacs's ox-html writes (org-html-export-as-html, body only; see docs/org-tree.md).",
        };
        var command = new Command("parse", "Print the syntax tree of an Org file: elements and objects. Example: org-dispatch parse notes.org --json") { input.File, json, html, input.Todo };
        command.SetAction(parse =>
        {
            if (parse.GetValue(json) && parse.GetValue(html))
            {
                parse.InvocationConfiguration.Error.WriteLine("org-dispatch: --json and --html print different things; give one of them.");
                return ExitCodes.UsageOrTransport;
            }
            if (!input.TryRead(parse, out byte[] bytes, out OrgSyntaxOptions options)) return ExitCodes.UsageOrTransport;
            OrgTree tree = OrgTree.Parse(bytes, options);
            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) JsonOutput.WriteDocument(output, w => OrgTreeJson.Write(tree, w), indented: false);
            else if (parse.GetValue(html)) new OrgHtmlRenderer(output).Render(tree);
            else WriteOutline(tree, output);
            return ExitCodes.Success;
        });
        return command;
    }

    // One line per node: its line number, indentation by depth, type and a short excerpt.
    private static void WriteOutline(OrgTree tree, TextWriter output)
    {
        ReadOnlySpan<byte> source = tree.Source.Span;
        var lines = new LineNumbers(source);
        Write(tree.Root, 0);

        void Write(OrgNode node, int depth)
        {
            string excerpt = node.Type == OrgNodeType.PlainText ? " " + Excerpt(node.GetText()) : "";
            output.WriteLine($"{lines.At(node.Begin),6}  {new string(' ', 2 * depth)}{node.Type.ToOrgElementName()}{excerpt}");
            foreach (OrgNode child in node.Children) Write(child, depth + 1);
        }
    }

    private static string Excerpt(string text)
    {
        string flat = text.ReplaceLineEndings("⏎");
        return flat.Length <= 40 ? $"\"{flat}\"" : $"\"{flat[..39]}…\"";
    }

    private sealed class LineNumbers
    {
        private readonly List<int> _starts = [0];

        public LineNumbers(ReadOnlySpan<byte> text)
        {
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] == '\n') _starts.Add(i + 1);
            }
        }

        public int At(int offset)
        {
            int i = _starts.BinarySearch(offset);
            return (i >= 0 ? i : ~i - 1) + 1;
        }
    }
}
