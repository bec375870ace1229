using OrgDispatch.Queue;
using OrgDispatch.Stores;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Queue;

/// <summary>The queue's behaviour, move by move, with the exact text Org would write.</summary>
public sealed class QueueTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 10, 30, 0, TimeSpan.Zero);

    private const string OneTask =
        "#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n" +
        "* PENDING Fix payment webhook :timmy:\n" +
        "  :PROPERTIES:\n" +
        "  :ID:       TASK-002\n" +
        "  :END:\n" +
        "  The webhook drops events.\n";

    private static (DispatchQueue Queue, InMemoryDispatchStore Store, ManualClock Clock) Open(string text, int maxAttempts = 3)
    {
        var store = new InMemoryDispatchStore(text);
        var clock = new ManualClock(Start);
        return (new DispatchQueue(store, new DispatchOptions { TimeProvider = clock, MaxAttempts = maxAttempts }), store, clock);
    }

    [Fact]
    public async Task Claim_writes_the_keyword_the_claim_and_orgs_state_note()
    {
        var (queue, store, _) = Open(OneTask);
        ClaimResult r = await queue.ClaimAsync("TASK-002", "timmy", TimeSpan.FromMinutes(15));
        Assert.Equal(ClaimOutcome.Claimed, r.Outcome);
        Assert.Equal(new DispatchClaim("timmy", Start, Start.AddMinutes(15)), r.Task.Claim);
        Assert.Equal(
            "#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n" +
            "* IN_PROGRESS Fix payment webhook :timmy:\n" +
            "  :PROPERTIES:\n" +
            "  :ID:       TASK-002\n" +
            "  :CLAIMED_BY: timmy\n" +
            "  :CLAIMED_AT: 2026-11-21T10:30:00Z\n" +
            "  :ATTEMPTS: 1\n" +
            "  :LEASE_EXPIRES: 2026-11-21T10:45:00Z\n" +
            "  :END:\n" +
            "  :LOGBOOK:\n" +
            "  - State \"IN_PROGRESS\" from \"PENDING\"    [2026-11-21 Sat 10:30] \\\\\n" +
            "    timmy: claimed, attempt 1 of 3\n" +
            "  :END:\n" +
            "  The webhook drops events.\n",
            store.Text);
        Assert.Equal(r.Task, await queue.GetTaskAsync("TASK-002"));
    }

    [Fact]
    public async Task Done_closes_the_task_logs_the_result_and_drops_the_claim()
    {
        var (queue, store, clock) = Open(OneTask);
        await queue.ClaimAsync("TASK-002", "timmy");
        clock.Advance(TimeSpan.FromMinutes(42));
        DispatchTask done = await queue.DoneAsync("TASK-002", "timmy", "Unfolded the header.\nAdded a test.");
        Assert.Equal(TaskState.Done, done.State);
        Assert.Null(done.Claim);
        Assert.Equal(
            "#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n" +
            "* DONE Fix payment webhook :timmy:\n" +
            "  CLOSED: [2026-11-21 Sat 11:12]\n" +
            "  :PROPERTIES:\n" +
            "  :ID:       TASK-002\n" +
            "  :ATTEMPTS: 1\n" +
            "  :END:\n" +
            "  :LOGBOOK:\n" +
            "  - State \"DONE\"       from \"IN_PROGRESS\" [2026-11-21 Sat 11:12] \\\\\n" +
            "    timmy: Unfolded the header.\n" +
            "    Added a test.\n" +
            "  - State \"IN_PROGRESS\" from \"PENDING\"    [2026-11-21 Sat 10:30] \\\\\n" +
            "    timmy: claimed, attempt 1 of 3\n" +
            "  :END:\n" +
            "  The webhook drops events.\n",
            store.Text);
        Assert.Equal(done, await queue.GetTaskAsync("TASK-002"));
    }

    [Fact]
    public async Task Claiming_your_own_claim_again_changes_nothing()
    {
        var (queue, store, _) = Open(OneTask);
        await queue.ClaimAsync("TASK-002", "timmy");
        string after = store.Text;
        ClaimResult again = await queue.ClaimAsync("TASK-002", "timmy");
        Assert.Equal(ClaimOutcome.AlreadyYours, again.Outcome);
        Assert.True(again.Succeeded);
        Assert.Equal(after, store.Text);
    }

    [Fact]
    public async Task A_claim_on_a_held_task_names_the_holder_and_changes_nothing()
    {
        var (queue, store, _) = Open(OneTask);
        await queue.ClaimAsync("TASK-002", "timmy");
        string after = store.Text;
        ClaimResult lost = await queue.ClaimAsync("TASK-002", "ezra");
        Assert.Equal(ClaimOutcome.ClaimedByOther, lost.Outcome);
        Assert.False(lost.Succeeded);
        Assert.Equal("timmy", lost.Holder);
        Assert.Equal(after, store.Text);
    }

    [Fact]
    public async Task Illegal_moves_and_wrong_holders_are_typed_errors_that_change_nothing()
    {
        var (queue, store, _) = Open(OneTask);
        string before = store.Text;
        var illegal = await Assert.ThrowsAsync<IllegalTransitionException>(() => queue.DoneAsync("TASK-002", "timmy", "ok"));
        Assert.Equal(("TASK-002", TaskState.Pending, TaskMove.Done), (illegal.TaskId, illegal.State, illegal.Move));
        Assert.Equal("Cannot finish TASK-002: it is pending, and done is not allowed from pending.", illegal.Message);
        await Assert.ThrowsAsync<IllegalTransitionException>(() => queue.ReleaseAsync("TASK-002", "timmy"));
        await Assert.ThrowsAsync<TaskNotFoundException>(() => queue.ClaimAsync("TASK-999", "timmy"));
        Assert.Equal(before, store.Text);

        await queue.ClaimAsync("TASK-002", "timmy");
        string claimed = store.Text;
        var wrong = await Assert.ThrowsAsync<WrongHolderException>(() => queue.DoneAsync("TASK-002", "ezra", "mine now"));
        Assert.Equal(("timmy", "ezra"), (wrong.Holder, wrong.Agent));
        Assert.Contains("held by timmy", wrong.Message);
        await Assert.ThrowsAsync<IllegalTransitionException>(() => queue.SkipAsync("TASK-002", "timmy"));
        Assert.Equal(claimed, store.Text);

        await queue.DoneAsync("TASK-002", "timmy", "ok");
        string done = store.Text;
        var again = await Assert.ThrowsAsync<IllegalTransitionException>(() => queue.ClaimAsync("TASK-002", "ezra"));
        Assert.Equal(TaskState.Done, again.State);
        Assert.Equal(done, store.Text);
    }

    [Fact]
    public async Task Fail_retries_until_the_last_attempt_then_fails_for_good()
    {
        var (queue, store, _) = Open(OneTask, maxAttempts: 2);
        await queue.ClaimAsync("TASK-002", "timmy");
        DispatchTask retry = await queue.FailAsync("TASK-002", "timmy", "timeout");
        Assert.Equal((TaskState.Pending, 1, (DispatchClaim?)null), (retry.State, retry.Attempts, retry.Claim));
        await queue.ClaimAsync("TASK-002", "ezra");
        DispatchTask failed = await queue.FailAsync("TASK-002", "ezra", "timeout again");
        Assert.Equal((TaskState.Failed, 2), (failed.State, failed.Attempts));
        Assert.Contains("  CLOSED: [2026-11-21 Sat 10:30]\n", store.Text);
        Assert.Contains("  - State \"FAILED\"     from \"IN_PROGRESS\" [2026-11-21 Sat 10:30] \\\\\n    ezra: timeout again\n", store.Text);
        Assert.Contains("  - State \"PENDING\"    from \"IN_PROGRESS\" [2026-11-21 Sat 10:30] \\\\\n    timmy: timeout\n", store.Text);
        Assert.DoesNotContain("CLAIMED_BY", store.Text);
    }

    [Fact]
    public async Task An_expired_lease_returns_the_task_at_the_next_touch_and_a_heartbeat_keeps_it()
    {
        var (queue, store, clock) = Open(OneTask);
        await queue.ClaimAsync("TASK-002", "timmy", TimeSpan.FromMinutes(10));
        clock.Advance(TimeSpan.FromMinutes(8));
        DispatchTask beat = await queue.HeartbeatAsync("TASK-002", "timmy", TimeSpan.FromMinutes(10));
        Assert.Equal(Start.AddMinutes(18), beat.Claim!.LeaseExpires);
        clock.Advance(TimeSpan.FromMinutes(8));
        Assert.Empty(await queue.PollAsync("timmy"));

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Single((await queue.GetStatusAsync()).StaleClaims);
        IReadOnlyList<DispatchTask> ready = await queue.PollAsync("timmy");
        Assert.Equal("TASK-002", Assert.Single(ready).Id);
        Assert.Contains("  - State \"PENDING\"    from \"IN_PROGRESS\" [2026-11-21 Sat 10:48] \\\\\n    lease of timmy expired at 2026-11-21T10:48:00Z\n", store.Text);
        Assert.DoesNotContain("LEASE_EXPIRES", store.Text);
        await Assert.ThrowsAsync<IllegalTransitionException>(() => queue.HeartbeatAsync("TASK-002", "timmy", TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public async Task Blocked_tasks_are_not_offered_and_cannot_be_claimed_until_their_blockers_are_done()
    {
        var (queue, _, _) = Open(DispatchFiles.Header +
            "* PENDING First\n:PROPERTIES:\n:ID: A\n:END:\n" +
            "* PENDING Second\n:PROPERTIES:\n:ID: B\n:BLOCKED_BY: A, C\n:END:\n" +
            "* DONE Third\n:PROPERTIES:\n:ID: C\n:END:\n");
        Assert.Equal(["A"], (await queue.PollAsync("x")).Select(t => t.Id));
        var blocked = await Assert.ThrowsAsync<TaskBlockedException>(() => queue.ClaimAsync("B", "x"));
        Assert.Equal(["A"], blocked.WaitingFor);
        await queue.ClaimAsync("A", "x");
        await queue.DoneAsync("A", "x", "ok");
        Assert.Equal(["B"], (await queue.PollAsync("x")).Select(t => t.Id));
    }

    [Fact]
    public async Task Poll_orders_by_priority_then_deadline_then_file_order_and_honours_inherited_tags()
    {
        var (queue, _, _) = Open(
            "#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n#+FILETAGS: :fleet:\n" +
            "* PENDING Late C :timmy:\n:PROPERTIES:\n:ID: T1\n:END:\n" +
            "* PENDING No priority, deadline 12-02\nDEADLINE: <2026-12-02 Wed>\n:PROPERTIES:\n:ID: T2\n:END:\n" +
            "* PENDING [#A] Urgent :ezra:\n:PROPERTIES:\n:ID: T3\n:END:\n" +
            "* Backend :timmy:\n" +
            "** PENDING [#B] Inherits timmy, deadline 12-01\nDEADLINE: <2026-12-01 Tue>\n:PROPERTIES:\n:ID: T4\n:END:\n" +
            "** PENDING [#C] Lowest\n:PROPERTIES:\n:ID: T5\n:END:\n" +
            "* PENDING No id :timmy:\n");
        // T2 has no tags of its own, but inherits the file tag, so it is for "fleet" only.
        Assert.Equal(["T4", "T1", "T5"], (await queue.PollAsync("timmy")).Select(t => t.Id));
        Assert.Equal(["T3", "T4", "T2", "T1", "T5"], (await queue.PollAsync("fleet")).Select(t => t.Id));
        Assert.Equal(["T3"], (await queue.PollAsync("ezra")).Select(t => t.Id));
        DispatchTask t4 = await queue.GetTaskAsync("T4");
        Assert.Equal(["fleet", "timmy"], t4.Agents);
        DispatchTask? next = await queue.NextAsync("timmy");
        Assert.Equal("T4", next!.Id);
    }

    [Fact]
    public async Task Untagged_tasks_are_for_any_agent()
    {
        var (queue, _, _) = Open(DispatchQueue.NewFileText());
        await queue.AddAsync(new NewTask { Title = "Anyone" });
        Assert.Single(await queue.PollAsync("whoever"));
    }

    [Fact]
    public async Task Add_takes_the_next_free_id_and_goes_before_the_activity_headline()
    {
        var (queue, store, _) = Open(DispatchFiles.Pending(2, "timmy"));
        DispatchTask t = await queue.AddAsync(new NewTask
        {
            Title = "Rotate keys",
            Agents = ["ezra", "cleo"],
            Priority = 'A',
            Deadline = new DateOnly(2026, 12, 24),
            BlockedBy = ["TASK-0002"],
            Body = "Both clusters.",
        });
        Assert.Equal("TASK-0003", t.Id);
        Assert.Equal((TaskState.Pending, 'A', "Both clusters."), (t.State, t.Priority, t.Body));
        Assert.Equal(["ezra", "cleo"], t.Agents);
        Assert.Equal(["TASK-0002"], t.BlockedBy);
        Assert.EndsWith(
            "* PENDING [#A] Rotate keys".PadRight(77 - ":ezra:cleo:".Length) + ":ezra:cleo:\n" +
            "  DEADLINE: <2026-12-24 Thu>\n" +
            "  :PROPERTIES:\n" +
            "  :ID:       TASK-0003\n" +
            "  :BLOCKED_BY: TASK-0002\n" +
            "  :END:\n" +
            "  Both clusters.\n" +
            "* Activity\n", store.Text);
        Assert.Equal(77, store.Text.Split('\n').Single(l => l.Contains("Rotate")).Length);
        await Assert.ThrowsAsync<TaskNotFoundException>(() => queue.AddAsync(new NewTask { Title = "x", BlockedBy = ["NOPE"] }));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.AddAsync(new NewTask { Title = "two\nlines" }));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.AddAsync(new NewTask { Title = "x", Agents = ["not a tag"] }));
    }

    [Fact]
    public async Task Append_writes_under_the_activity_headline_creating_it_when_missing()
    {
        var (queue, store, clock) = Open(OneTask);
        ActivityEntry first = await queue.AppendAsync("timmy", "picked up\nTASK-002");
        Assert.Equal(new ActivityEntry("2026-11-21 Sat 10:30", "timmy", "picked up TASK-002", 8), first);
        clock.Advance(TimeSpan.FromMinutes(1));
        await queue.AppendAsync("ezra", "idle");
        Assert.EndsWith("* Activity\n- [2026-11-21 Sat 10:30] timmy: picked up TASK-002\n- [2026-11-21 Sat 10:31] ezra: idle\n", store.Text);
        DispatchStatus status = await queue.GetStatusAsync();
        Assert.Equal(["timmy", "ezra"], status.RecentActivity.Select(e => e.Agent));
    }

    [Fact]
    public async Task Status_counts_states_and_reports_what_a_person_should_fix()
    {
        var (queue, _, _) = Open(
            "* PENDING No keywords declared, no id\n" +
            "* PENDING A\n:PROPERTIES:\n:ID: A\n:BLOCKED_BY: B\n:END:\n" +
            "* PENDING B\n:PROPERTIES:\n:ID: B\n:BLOCKED_BY: A GHOST\n:ATTEMPTS: many\n:END:\n" +
            "* IN_PROGRESS Held by nobody\n:PROPERTIES:\n:ID: C\n:END:\n" +
            "* DONE Twin\n:PROPERTIES:\n:ID: A\n:END:\n");
        DispatchStatus s = await queue.GetStatusAsync();
        Assert.True(s.Reachable);
        Assert.Equal(3, s.Counts[TaskState.Pending]);
        Assert.Equal(1, s.Counts[TaskState.InProgress]);
        Assert.Equal(1, s.Counts[TaskState.Done]);
        Assert.Equal(
            ["undeclared-keywords", "missing-id", "dependency-cycle", "bad-value", "unknown-dependency", "claim-without-holder", "duplicate-id"],
            s.Problems.Select(p => p.Kind));
        Assert.Contains("A → B → A", s.Problems.Single(p => p.Kind == "dependency-cycle").Message);
    }

    [Fact]
    public async Task Status_of_a_missing_file_is_unreachable_with_the_reason()
    {
        using var dir = new TempDirectory();
        var queue = new DispatchQueue(new FileDispatchStore(dir.File("nope.org")));
        DispatchStatus s = await queue.GetStatusAsync();
        Assert.False(s.Reachable);
        Assert.Contains("does not exist", s.Error);
        var e = await Assert.ThrowsAsync<DispatchStoreException>(() => queue.PollAsync("timmy"));
        Assert.Contains("nope.org", e.Message);
    }

    [Fact]
    public async Task The_task_record_reads_body_properties_and_planning()
    {
        var (queue, _, _) = Open(
            DispatchFiles.Header +
            "* PENDING [#B] Write notes :cleo:\n  SCHEDULED: <2026-12-03 Thu> DEADLINE: <2026-12-05 Sat 17:00>\n  :PROPERTIES:\n  :ID: N1\n  :Custom: value\n  :END:\n" +
            "  :LOGBOOK:\n  - Note taken\n  :END:\n  First paragraph.\n\n  Second.\n");
        DispatchTask t = await queue.GetTaskAsync("N1");
        Assert.Equal("First paragraph.\n\n  Second.", t.Body);
        Assert.Equal("value", t.Properties["custom"]);
        Assert.Equal(new DateOnly(2026, 12, 3), t.Scheduled!.Value.Date);
        Assert.Equal(new TimeOnly(17, 0), t.Deadline!.Value.Time);
        Assert.Equal(2, t.LineNumber - 2);
    }

    [Fact]
    public void The_transition_table_is_the_documented_one()
    {
        Assert.Equal(
            [
                "Pending Claim InProgress ", "Pending Skip Skipped ", "InProgress Heartbeat InProgress ", "InProgress Release Pending ",
                "InProgress Done Done ", "InProgress Fail Pending Failed", "InProgress Expire Pending Failed",
            ],
            TransitionTable.All.Select(r => $"{r.From} {r.Move} {r.To} {r.WhenOutOfAttempts}"));
        foreach (TaskState s in Enum.GetValues<TaskState>().Where(s => s.IsTerminal()))
        {
            Assert.All(Enum.GetValues<TaskMove>(), m => Assert.Null(TransitionTable.Target(s, m)));
        }
    }
}
