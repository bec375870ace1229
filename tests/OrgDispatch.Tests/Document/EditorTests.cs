using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrgDispatch.Document;
using OrgDispatch.Syntax;

namespace OrgDispatch.Tests.Document;

public sealed class EditorTests
{
    private static readonly OrgSyntaxOptions Dispatch = new() { TodoKeywords = TodoKeywordSet.Parse(["PENDING IN_PROGRESS | DONE"]) };
    private static readonly DateTime At = new(2026, 11, 21, 10, 30, 0);

    [Fact]
    public void Claim_on_a_bare_headline_writes_what_org_writes()
    {
        var doc = OrgDocument.Parse("#+TODO: PENDING IN_PROGRESS | DONE\n* PENDING Fix webhook :timmy:\nBody.\n* PENDING Next\n");
        OrgHeadline h = doc.GetHeadline(0);
        var edited = doc.Edit()
            .SetTodoKeyword(h, "IN_PROGRESS")
            .AddLogbookEntry(h, "State \"IN_PROGRESS\" from \"PENDING\"    [2026-11-21 Sat 10:30]")
            .SetProperty(h, "CLAIMED_BY", "timmy")
            .Apply();
        Assert.Equal(
            "#+TODO: PENDING IN_PROGRESS | DONE\n* IN_PROGRESS Fix webhook :timmy:\n:PROPERTIES:\n:CLAIMED_BY: timmy\n:END:\n:LOGBOOK:\n- State \"IN_PROGRESS\" from \"PENDING\"    [2026-11-21 Sat 10:30]\n:END:\nBody.\n* PENDING Next\n",
            edited.ToString());
        Assert.Equal("timmy", edited.GetHeadline(0).GetProperty("claimed_by"));
    }

    [Fact]
    public void Existing_indented_metadata_is_followed_and_extended()
    {
        const string before =
            "* IN_PROGRESS Task\n  DEADLINE: <2026-04-15 Wed>\n  :PROPERTIES:\n  :ID:       TASK-002\n  :CLAIMED_BY: timmy\n  :END:\n  :LOGBOOK:\n  - State \"IN_PROGRESS\" from \"PENDING\"    [2026-11-21 Sat 10:30]\n  :END:\n";
        var doc = OrgDocument.Parse(before, Dispatch);
        OrgHeadline h = doc.GetHeadline(0);
        var edited = doc.Edit()
            .SetTodoKeyword(h, "DONE")
            .SetClosed(h, At)
            .RemoveProperty(h, "CLAIMED_BY")
            .SetProperty(h, "RESULT", "ok")
            .AddLogbookEntry(h, "State \"DONE\"       from \"IN_PROGRESS\" [2026-11-21 Sat 10:30]")
            .Apply();
        Assert.Equal(
            "* DONE Task\n  CLOSED: [2026-11-21 Sat 10:30] DEADLINE: <2026-04-15 Wed>\n  :PROPERTIES:\n  :ID:       TASK-002\n  :RESULT:   ok\n  :END:\n  :LOGBOOK:\n  - State \"DONE\"       from \"IN_PROGRESS\" [2026-11-21 Sat 10:30]\n  - State \"IN_PROGRESS\" from \"PENDING\"    [2026-11-21 Sat 10:30]\n  :END:\n",
            edited.ToString());
        OrgHeadline e = edited.GetHeadline(0);
        Assert.Equal("[2026-11-21 Sat 10:30]", TextOf(edited, e.Planning.Closed));
        Assert.Equal("<2026-04-15 Wed>", TextOf(edited, e.Planning.Deadline));
        Assert.Null(e.GetProperty("CLAIMED_BY"));
    }

    [Fact]
    public void Clearing_a_keyword_and_appending_keep_other_bytes()
    {
        var doc = OrgDocument.Parse("* TODO a\n** b\n\n* c", null);
        var edited = doc.Edit()
            .SetTodoKeyword(doc.GetHeadline(0), null)
            .AppendListItem(doc.GetHeadline(0), "note")
            .AppendHeadline(doc.GetHeadline(0), "TODO child")
            .AppendHeadline(null, "last")
            .Apply();
        Assert.Equal("* a\n- note\n** b\n** TODO child\n\n* c\n* last\n", edited.ToString());
    }

    [Fact]
    public void Adapt_indentation_indents_new_metadata_to_the_title()
    {
        var doc = OrgDocument.Parse("** TODO x\n");
        var editor = doc.Edit();
        editor.Indentation = MetadataIndentation.Adapt;
        var edited = editor.SetProperty(doc.GetHeadline(0), "ID", "1").Apply();
        Assert.Equal("** TODO x\n   :PROPERTIES:\n   :ID:       1\n   :END:\n", edited.ToString());
    }

    [Fact]
    public void Bad_arguments_are_clear_errors()
    {
        var doc = OrgDocument.Parse("* x\n");
        var ex = Assert.Throws<ArgumentException>(() => doc.Edit().SetProperty(doc.GetHeadline(0), "a b", "v"));
        Assert.Contains("a b", ex.Message);
        Assert.Throws<ArgumentException>(() => doc.Edit().AddLogbookEntry(doc.GetHeadline(0), "two\nlines"));
        var other = OrgDocument.Parse("* y\n");
        Assert.Throws<ArgumentException>(() => doc.Edit().SetTodoKeyword(other.GetHeadline(0), "TODO"));
    }

    /// <summary>Random edits on random headlines of generated dispatch files: the result re-parses
    /// to what was asked, and nothing outside the edited headline's section changes.</summary>
    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property Edits_change_only_their_target_and_reparse_as_asked()
    {
        var gen =
            from tasks in Gen.Choose(1, 12)
            from seed in Gen.Choose(0, 10_000)
            from target in Gen.Choose(0, tasks - 1)
            from op in Gen.Choose(0, 4)
            from indent in Gen.Elements(MetadataIndentation.Auto, MetadataIndentation.None, MetadataIndentation.Adapt)
            select (tasks, seed, target, op, indent);
        return Prop.ForAll(Arb.From(gen), c =>
        {
            string text = SampleFile(c.tasks, c.seed);
            var doc = OrgDocument.Parse(text, Dispatch);
            OrgHeadline h = doc.GetHeadline(c.target);
            var editor = doc.Edit();
            editor.Indentation = c.indent;
            switch (c.op)
            {
                case 0: editor.SetTodoKeyword(h, "IN_PROGRESS"); break;
                case 1: editor.SetProperty(h, "CLAIMED_BY", "agent-7"); break;
                case 2: editor.AddLogbookEntry(h, "Note taken on [2026-11-21 Sat 10:30]"); break;
                case 3: editor.SetClosed(h, At); break;
                default: editor.RemoveProperty(h, "ID"); break;
            }
            OrgDocument edited = editor.Apply();
            OrgHeadline e = edited.GetHeadline(c.target);
            Assert.Equal(doc.HeadlineCount, edited.HeadlineCount);
            switch (c.op)
            {
                case 0: Assert.Equal("IN_PROGRESS", e.TodoKeyword); break;
                case 1: Assert.Equal("agent-7", e.GetProperty("CLAIMED_BY")); break;
                case 2: Assert.Contains("- Note taken on [2026-11-21 Sat 10:30]", Section(edited, e)); break;
                case 3: Assert.Equal("[2026-11-21 Sat 10:30]", TextOf(edited, e.Planning.Closed)); break;
                default: Assert.Null(e.GetProperty("ID")); break;
            }
            // Everything before the headline and after its section is byte-identical.
            byte[] a = doc.ToArray(), b = edited.ToArray();
            int start = h.LineRange.Start, tail = a.Length - h.SectionRange.End;
            Assert.True(a.AsSpan(0, start).SequenceEqual(b.AsSpan(0, start)));
            Assert.True(a.AsSpan(a.Length - tail).SequenceEqual(b.AsSpan(b.Length - tail)));
            // Other headlines read the same.
            for (int i = 0; i < doc.HeadlineCount; i++)
            {
                if (i == c.target) continue;
                Assert.Equal(doc.GetHeadline(i).Title, edited.GetHeadline(i).Title);
                Assert.Equal(doc.GetHeadline(i).Properties, edited.GetHeadline(i).Properties);
            }
            return true;
        });
    }

    internal static string SampleFile(int tasks, int seed)
    {
        var rng = new Random(seed);
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < tasks; i++)
        {
            string indent = rng.Next(2) == 0 ? "" : "  ";
            sb.Append("* ").Append(new[] { "PENDING ", "IN_PROGRESS ", "DONE ", "" }[rng.Next(4)]).Append("Task ").Append(i).Append(rng.Next(2) == 0 ? " :a:b:" : "").Append('\n');
            if (rng.Next(3) == 0) sb.Append(indent).Append("DEADLINE: <2026-04-15 Wed>\n");
            if (rng.Next(3) != 0) sb.Append(indent).Append(":PROPERTIES:\n").Append(indent).Append(":ID:       TASK-").Append(i).Append('\n').Append(indent).Append(":END:\n");
            if (rng.Next(3) == 0) sb.Append(indent).Append(":LOGBOOK:\n").Append(indent).Append("- State \"DONE\" from \"TODO\" [2026-01-01 Thu 10:00]\n").Append(indent).Append(":END:\n");
            if (rng.Next(2) == 0) sb.Append("Body of task ").Append(i).Append(".\n");
            if (rng.Next(4) == 0) sb.Append('\n');
        }
        if (rng.Next(3) == 0) sb.Length--; // sometimes no final newline
        return sb.ToString();
    }

    private static string Section(OrgDocument d, OrgHeadline h) => System.Text.Encoding.UTF8.GetString(h.SectionRange.Of(d.Source.Span));

    private static string TextOf(OrgDocument d, TextRange r) => System.Text.Encoding.UTF8.GetString(r.Of(d.Source.Span));
}
