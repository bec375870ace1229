using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrgDispatch.Document;
using OrgDispatch.Queue;
using OrgDispatch.Tests.Queue;
using OrgDispatch.Tests.Syntax;

namespace OrgDispatch.Tests.Document;

/// <summary>A document brought up to date by edits (only the touched headlines read again) is the
/// document a fresh parse of the new text gives, and so is the task table built on it.</summary>
public sealed class IncrementalDocumentProperties
{
    // An edit as fractions of the text, so that one shrinks and replays whatever the text's length.
    private sealed record EditSpec(double Where, int Length, string Text);

    private static readonly Gen<EditSpec> Edit =
        from at in Gen.Choose(0, 10_000).Select(n => n / 10_000.0)
        from length in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Choose(1, 12)), (1, Gen.Choose(13, 400)))
        from text in Gen.Frequency(
            (2, Gen.Constant("")),
            (6, OrgGenerators.Line.SelectMany(l => OrgGenerators.Newline.Select(n => l + n))),
            (3, OrgGenerators.Line),
            (2, Gen.Elements("* PENDING New task\n:PROPERTIES:\n:ID: NEW-1\n:END:\n", "\n** DONE x :ezra:\n", ":ID: TASK-0001\n", "IN_PROGRESS", "* Activity\n", "\n")),
            // Halves of a setting, which an edit's edge can join into one.
            (2, Gen.Elements("#", "+TODO: X | Y\n", "+STARTUP: odd\n", "+FILETAGS: :ezra:\n", "\n#", "+")))
        select new EditSpec(at, length, text);

    private static readonly Gen<List<List<EditSpec>>> Steps = Gen.ListOf(Gen.ListOf(Edit).Select(l => l.Take(4).ToList())).Select(l => l.Take(6).ToList());

    [Property(MaxTest = 2000, QuietOnSuccess = true)]
    public Property Any_document_edited_equals_the_new_text_parsed() =>
        Prop.ForAll(OrgGenerators.DocumentArb, Arb.From(Steps), (bytes, steps) =>
        {
            OrgDocument document = OrgDocument.Parse(bytes);
            foreach (List<EditSpec> step in steps)
            {
                IReadOnlyList<OrgTextEdit> edits = Resolve(document.Source.Span, step);
                OrgDocument next = document.ApplyEdits(edits);
                OrgDocument fresh = OrgDocument.Parse(next.Source.Span);
                Assert.True(next.SameOutlineAs(fresh),
                    $"before:\n{document.DescribeOutline()}\nafter {string.Join(", ", edits)}:\n{next.DescribeOutline()}\nfresh:\n{fresh.DescribeOutline()}\ntext: {Convert.ToBase64String(next.Source.Span)}");
                document = next;
            }
        });

    [Property(MaxTest = 500, QuietOnSuccess = true)]
    public Property A_dispatch_files_task_table_brought_up_to_date_equals_one_built_afresh() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 12)), Arb.From(Steps), (tasks, steps) =>
        {
            OrgDocument document = OrgDocument.Parse(DispatchFiles.Pending(tasks, "timmy", "ezra"));
            TaskTable table = TaskTable.For(document, DispatchOptions.Default);
            foreach (List<EditSpec> step in steps)
            {
                OrgDocument next = document.ApplyEdits(Resolve(document.Source.Span, step));
                TaskTable kept = TaskTable.For(next, DispatchOptions.Default);
                AssertSameTable(TaskTable.Build(OrgDocument.Parse(next.Source.Span), DispatchOptions.Default), kept);
                (document, table) = (next, kept);
            }
            Assert.NotNull(table);
        });

    [Fact]
    public void A_claim_reads_again_only_the_headlines_next_to_its_change()
    {
        OrgDocument document = OrgDocument.Parse(DispatchFiles.Pending(50));
        TaskTable.For(document, DispatchOptions.Default);
        OrgHeadline task = document.GetHeadline(20);
        OrgDocument next = document.Edit().SetTodoKeyword(task, "IN_PROGRESS").SetProperty(task, "CLAIMED_BY", "ezra").ApplyKeepingLineage();
        OrgDocumentLineage lineage = Assert.IsType<OrgDocumentLineage>(next.Lineage);
        OrgDocumentLineage.Window window = Assert.Single(lineage.Windows);
        Assert.True(window.OldCount <= 2, $"read again {window.OldCount} headlines");
        TaskTable table = TaskTable.For(next, DispatchOptions.Default);
        Assert.Null(next.Lineage); // used, and dropped: documents never form a chain
        Assert.Equal(TaskState.InProgress, table.Find(table.Entries[20].Id!).State);
    }

    // Sorted, not overlapping, inside the text, never splitting a UTF-8 sequence in two.
    private static List<OrgTextEdit> Resolve(ReadOnlySpan<byte> text, List<EditSpec> specs)
    {
        var edits = new List<OrgTextEdit>();
        int after = 0;
        foreach (EditSpec s in specs.OrderBy(s => s.Where))
        {
            int start = Boundary(text, Math.Max(after, (int)(s.Where * text.Length)));
            if (start > text.Length) break;
            int end = Boundary(text, Math.Min(text.Length, start + s.Length));
            edits.Add(new OrgTextEdit(start, end - start, s.Text));
            after = end; // adjacent edits, as the editor makes them (properties and LOGBOOK at one point)
        }
        return edits;
    }

    private static int Boundary(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && (text[i] & 0xC0) == 0x80) i++;
        return Math.Min(i, text.Length);
    }

    private static void AssertSameTable(TaskTable expected, TaskTable actual)
    {
        Assert.Equal(expected.Entries.Count, actual.Entries.Count);
        for (int i = 0; i < expected.Entries.Count; i++)
        {
            TaskEntry e = expected.Entries[i], a = actual.Entries[i];
            Assert.Equal((e.Headline.Index, e.State, e.Id, e.Priority, e.BlockedBy, e.LeaseExpires, e.PlanningLine),
                (a.Headline.Index, a.State, a.Id, a.Priority, a.BlockedBy, a.LeaseExpires, a.PlanningLine));
            Assert.Same(actual.Document, a.Headline.Document);
            DispatchTask te = expected.Read(e), ta = actual.Read(a);
            Assert.Equal((te.Title, te.LineNumber, te.Body, string.Join(",", te.Agents), te.Claim), (ta.Title, ta.LineNumber, ta.Body, string.Join(",", ta.Agents), ta.Claim));
            Assert.Equal(e.Id is null ? -1 : expected.TryFind(e.Id, out TaskEntry fe) ? fe.Headline.Index : -2,
                a.Id is null ? -1 : actual.TryFind(a.Id, out TaskEntry fa) ? fa.Headline.Index : -2);
        }
        Assert.Equal(expected.Duplicates.Select(d => (d.Headline.Index, d.Id)), actual.Duplicates.Select(d => (d.Headline.Index, d.Id)));
        Assert.Equal(expected.Activity?.Index, actual.Activity?.Index);
    }
}
