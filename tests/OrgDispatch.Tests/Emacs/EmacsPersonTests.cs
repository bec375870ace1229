using OrgDispatch.Emacs;
using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Emacs;

/// <summary>What a person does to the buffer between two agent operations (undo, revert, kill the
/// buffer): the next operation works on what the buffer then holds, or says why it cannot; it never
/// crashes and never writes to another buffer.</summary>
public sealed class EmacsPersonTests
{
    [RequiresFact(Requirements.Emacs)]
    public async Task The_person_undoing_a_claim_wins_and_the_agent_is_told_it_no_longer_holds_the_task()
    {
        await using var live = await LiveBuffer.OpenAsync("emacs", DispatchFiles.Pending(3));
        await using var store = new EmacsDispatchStore(live.Agents, live.Path);
        var queue = new DispatchQueue(store);
        Assert.Equal("TASK-0001", (await queue.NextAsync("ezra"))?.Id);

        // C-/ in the buffer: the whole claim is taken back in one step (unsaved).
        Assert.Equal("t", (await EmacsStoreTests.InBufferAsync(live.Emacs, live.Path, "(progn (let ((last-command nil)) (undo)) (buffer-modified-p))")).Text);
        Assert.Equal(DispatchFiles.Pending(3), await EmacsStoreTests.BufferTextAsync(live.Emacs, live.Path));

        var e = await Assert.ThrowsAsync<IllegalTransitionException>(() => queue.DoneAsync("TASK-0001", "ezra", "finished"));
        Assert.Contains("TASK-0001", e.Message, StringComparison.Ordinal);
        Assert.Equal("TASK-0001", (await queue.NextAsync("timmy"))?.Id); // the task is free again, in this buffer
        string text = await EmacsStoreTests.BufferTextAsync(live.Emacs, live.Path);
        Assert.Contains(":CLAIMED_BY: timmy", text, StringComparison.Ordinal);
        Assert.DoesNotContain(":CLAIMED_BY: ezra", text, StringComparison.Ordinal);
        Assert.Equal(text, await File.ReadAllTextAsync(live.Path)); // saved with the agent's change
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task A_revert_drops_the_persons_unsaved_edit_and_the_next_operation_works_on_the_file()
    {
        await using var live = await LiveBuffer.OpenAsync("emacs", DispatchFiles.Pending(3));
        await using var store = new EmacsDispatchStore(live.Agents, live.Path);
        var queue = new DispatchQueue(store);
        Assert.Equal(3, (await queue.GetTasksAsync()).Count); // the store now knows a version of the buffer
        await EmacsStoreTests.InBufferAsync(live.Emacs, live.Path, "(progn (goto-char (point-max)) (insert \"* PENDING Not kept\\n\"))");
        Assert.Equal(4, (await queue.GetTasksAsync()).Count);
        await EmacsStoreTests.InBufferAsync(live.Emacs, live.Path, "(revert-buffer t t)");

        Assert.Equal("TASK-0001", (await queue.NextAsync("ezra"))?.Id);
        Assert.Equal(3, (await queue.GetTasksAsync()).Count);
        Assert.DoesNotContain("Not kept", await File.ReadAllTextAsync(live.Path), StringComparison.Ordinal);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task A_killed_buffer_is_visited_again_and_another_buffer_is_never_written()
    {
        await using var live = await LiveBuffer.OpenAsync("emacs", DispatchFiles.Pending(3));
        string other = live.Emacs.File("other.org");
        await File.WriteAllTextAsync(other, DispatchFiles.Pending(3));
        await using var store = new EmacsDispatchStore(live.Agents, live.Path);
        var queue = new DispatchQueue(store);
        Assert.Equal("TASK-0001", (await queue.NextAsync("ezra"))?.Id);

        // The person kills the buffer (answering yes to discarding an unsaved edit) and opens another file.
        await EmacsStoreTests.InBufferAsync(live.Emacs, live.Path, "(progn (insert \"unsaved \") (set-buffer-modified-p nil) (let ((kill-buffer-query-functions nil)) (kill-buffer)))");
        await live.Emacs.Client.EvaluateAsync($"(switch-to-buffer (find-file-noselect {EmacsDispatchStore.LispString(other)}))");

        Assert.Equal("TASK-0002", (await queue.NextAsync("ezra"))?.Id);
        var tasks = await new DispatchQueue(new FileDispatchStore(live.Path)).GetTasksAsync();
        Assert.Equal(["ezra", "ezra", null], tasks.Select(t => t.Claim?.Agent));
        Assert.Equal(DispatchFiles.Pending(3), await File.ReadAllTextAsync(other));
        Assert.Equal("nil", (await live.Emacs.Client.EvaluateAsync($"(buffer-modified-p (find-buffer-visiting {EmacsDispatchStore.LispString(other)}))")).Text);
    }
}
