using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Queue;

/// <summary>A store keeps its parsed document between operations, and a person's edit to the file
/// between two of them is always seen: appending a task, retyping a title, deleting a task.</summary>
public sealed class KeptDocumentTests
{
    [Fact]
    public async Task Edits_made_between_operations_on_a_kept_document_are_all_seen()
    {
        using var dir = new TempDirectory();
        string path = dir.File("dispatch.org");
        File.WriteAllText(path, DispatchFiles.Pending(4));
        var store = new FileDispatchStore(path);
        var queue = new DispatchQueue(store);
        Assert.Equal("TASK-0001", (await queue.NextAsync("ezra"))?.Id);
        Assert.Same(await store.ReadAsync(Org()), await store.ReadAsync(Org())); // kept, not parsed again

        File.AppendAllText(path, "* PENDING Added by hand\n:PROPERTIES:\n:ID: HAND-1\n:END:\n");
        Assert.Contains("HAND-1", (await queue.GetTasksAsync()).Select(t => t.Id));

        // Same length, in place: only the bytes tell.
        string text = File.ReadAllText(path);
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            fs.Position = System.Text.Encoding.UTF8.GetByteCount(text[..text.IndexOf("Task number 2", StringComparison.Ordinal)]);
            fs.Write("Task NUMBER 2"u8);
        }
        Assert.Equal("Task NUMBER 2", (await queue.ClaimAsync("TASK-0002", "ezra")).Task.Title);

        text = File.ReadAllText(path);
        int start = text.IndexOf("* PENDING Task number 3", StringComparison.Ordinal);
        int end = text.IndexOf("* PENDING Task number 4", StringComparison.Ordinal);
        File.WriteAllText(path, text[..start] + text[end..]);
        Assert.Equal("TASK-0004", (await queue.NextAsync("ezra"))?.Id);
        Assert.DoesNotContain("TASK-0003", (await queue.GetTasksAsync()).Select(t => t.Id));
        Assert.Equal("HAND-1", (await queue.NextAsync("ezra"))?.Id);
    }

    private static readonly OrgDispatch.Syntax.OrgSyntaxOptions Syntax = new() { TodoKeywords = DispatchOptions.Default.Keywords.ToKeywordSet() };

    private static OrgDispatch.Syntax.OrgSyntaxOptions Org() => Syntax;
}
