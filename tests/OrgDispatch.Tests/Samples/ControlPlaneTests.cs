using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrgDispatch.Queue;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Samples;

/// <summary>samples/ControlPlane as agents use it: the real program on a loopback port, real HTTP.</summary>
public sealed class ControlPlaneTests : IDisposable
{
    private const string Secret = "s3cret-for-tests";
    private readonly TempDirectory _dir = new();
    private SampleProcess? _server;
    private HttpClient? _http;

    private string DispatchPath => _dir.File("dispatch.org");

    private HttpClient Start(string dispatch, string? roster = null)
    {
        File.WriteAllText(DispatchPath, dispatch);
        File.WriteAllText(_dir.File("controlplane.json"), roster ?? Roster("timmy", "ezra"));
        var (server, ready) = SampleProcess.Start("ControlPlane",
            ["--file", DispatchPath, "--port", "0", "--config", _dir.File("controlplane.json")],
            "listening on ", TimeSpan.FromMinutes(1), new Dictionary<string, string?> { ["CONTROLPLANE_SHARED_SECRET"] = Secret });
        _server = server;
        string url = ready.Split(' ')[2];
        Assert.StartsWith("http://127.0.0.1:", url);
        _http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
        return _http;
    }

    private static string Roster(params string[] agents) =>
        JsonSerializer.Serialize(new
        {
            daily_tokens = 10_000,
            agents = agents.Select(a => new { id = a, role = a == "ezra" ? "backend" : a, heartbeat_enabled = true, daily_tokens = 5_000 }),
        });

    private const string Dispatch = """
        #+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED
        * PENDING [#A] Deploy auth service                                 :timmy:
          :PROPERTIES:
          :ID:       TASK-1
          :CREATED:  [2026-12-01 Tue 09:00]
          :OWNER:    platform
          :END:
          Deploy it to staging.
        * Backend work                                                   :backend:
        ** PENDING [#C] Rotate the keys
           :PROPERTIES:
           :ID:       TASK-2
           :END:
        ** PENDING Vacuum the database
           :PROPERTIES:
           :ID:       TASK-3
           :END:
        * Activity

        """;

    [Fact]
    public async Task Every_endpoint_refuses_a_call_without_the_secret_with_401_and_a_wrong_one_with_403()
    {
        HttpClient http = Start(Dispatch);
        string before = File.ReadAllText(DispatchPath);
        var calls = new Func<HttpRequestMessage>[]
        {
            () => new(HttpMethod.Get, "/api/controlplane/state"),
            () => new(HttpMethod.Get, "/api/controlplane/tasks?role=timmy"),
            () => new(HttpMethod.Get, "/api/controlplane/approvals?agent_id=timmy"),
            () => new(HttpMethod.Post, "/api/controlplane/activity") { Content = JsonContent.Create(new { event_type = "task_completed", agent_id = "timmy", task_id = "TASK-1" }) },
        };
        foreach (var call in calls)
        {
            HttpRequestMessage none = call();
            none.Headers.Authorization = null;
            using var noneClient = new HttpClient { BaseAddress = http.BaseAddress };
            HttpResponseMessage r401 = await noneClient.SendAsync(none);
            Assert.Equal(HttpStatusCode.Unauthorized, r401.StatusCode);
            Assert.Equal("unauthorized", (await r401.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

            HttpRequestMessage wrong = call();
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Secret + "x");
            HttpResponseMessage r403 = await noneClient.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Forbidden, r403.StatusCode);

            HttpRequestMessage basic = call();
            basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Secret);
            Assert.Equal(HttpStatusCode.Unauthorized, (await noneClient.SendAsync(basic)).StatusCode);
        }
        Assert.Equal(before, File.ReadAllText(DispatchPath));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/controlplane/state")).StatusCode);
    }

    [Fact]
    public async Task Tasks_for_a_role_follow_tag_inheritance_and_map_priority_status_and_context()
    {
        HttpClient http = Start(Dispatch);
        JsonElement timmy = await http.GetFromJsonAsync<JsonElement>("/api/controlplane/tasks?role=timmy");
        JsonElement task = Assert.Single(timmy.GetProperty("tasks").EnumerateArray());
        Assert.Equal("TASK-1", task.GetProperty("task_id").GetString());
        Assert.Equal("Deploy auth service", task.GetProperty("title").GetString());
        Assert.Equal("Deploy it to staging.", task.GetProperty("description").GetString());
        Assert.Equal("high", task.GetProperty("priority").GetString());
        Assert.Equal("pending", task.GetProperty("status").GetString());
        Assert.Equal("timmy", task.GetProperty("assigned_to").GetString());
        Assert.Equal("[2026-12-01 Tue 09:00]", task.GetProperty("created_at").GetString());
        Assert.Equal("platform", task.GetProperty("context").GetProperty("owner").GetString());

        // The two tasks under "Backend work" carry :backend: by inheritance.
        JsonElement backend = await http.GetFromJsonAsync<JsonElement>("/api/controlplane/tasks?role=backend");
        var tasks = backend.GetProperty("tasks").EnumerateArray().ToList();
        Assert.Equal(["TASK-2", "TASK-3"], tasks.Select(t => t.GetProperty("task_id").GetString()));
        Assert.Equal(["low", "medium"], tasks.Select(t => t.GetProperty("priority").GetString()));
        Assert.Null(tasks[0].GetProperty("created_at").GetString());

        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("/api/controlplane/tasks?role=backend&status=done")).GetProperty("tasks").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/controlplane/tasks")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/controlplane/tasks?role=timmy&status=later")).StatusCode);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task An_agent_heartbeat_loop_completes_its_task_the_file_shows_DONE_to_org_element_and_the_budget_counts_it()
    {
        HttpClient http = Start(Dispatch);
        JsonElement state = await http.GetFromJsonAsync<JsonElement>("/api/controlplane/state");
        JsonElement agent = state.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("id").GetString() == "timmy");
        Assert.True(agent.GetProperty("heartbeat_enabled").GetBoolean());
        Assert.Equal(0, state.GetProperty("budget").GetProperty("spent_today").GetInt64());

        JsonElement tasks = await http.GetFromJsonAsync<JsonElement>("/api/controlplane/tasks?role=timmy&status=pending");
        string id = tasks.GetProperty("tasks")[0].GetProperty("task_id").GetString()!;
        HttpResponseMessage done = await http.PostAsJsonAsync("/api/controlplane/activity", new
        {
            event_type = "task_completed", agent_id = "timmy", task_id = id, tokens_used = 4_200,
            result = new { output = "Deployed to staging.\nSmoke tests green." },
        });
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal("done", (await done.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task").GetProperty("status").GetString());

        state = await http.GetFromJsonAsync<JsonElement>("/api/controlplane/state");
        JsonElement budget = state.GetProperty("budget");
        Assert.Equal(4_200, budget.GetProperty("spent_today").GetInt64());
        Assert.Equal(5_800, budget.GetProperty("remaining").GetInt64());
        Assert.False(budget.GetProperty("hard_limit_exceeded").GetBoolean());
        Assert.Equal(800, budget.GetProperty("allocation").GetProperty("timmy").GetProperty("remaining").GetInt64());

        // Going over the day's budget is reported.
        await Ok(http, "/api/controlplane/activity", new { event_type = "error", agent_id = "ezra", message = "out of quota", tokens_used = 6_000 });
        Assert.True((await http.GetFromJsonAsync<JsonElement>("/api/controlplane/state")).GetProperty("budget").GetProperty("hard_limit_exceeded").GetBoolean());

        string text = File.ReadAllText(DispatchPath);
        Assert.Contains("timmy: task_completed TASK-1: Deployed to staging. tokens_used=4200", text);
        string script = Path.Combine(TestEnvironment.RepoRoot, "tests", "OrgDispatch.Tests", "Conformance", "dispatch-check.el");
        string org = ProcessRunner.Run("emacs", ["-Q", "--batch", "-l", script, DispatchPath], TimeSpan.FromMinutes(2));
        Assert.Contains("TASK TASK-1 DONE - closed 2", org); // claimed, then done: two LOGBOOK notes, as Org reads them
        Assert.DoesNotContain("LINT", org);
    }

    [RequiresFact(Requirements.Emacs)]
    public async Task An_approval_request_is_a_headline_a_person_approves_in_Emacs_by_changing_its_keyword()
    {
        HttpClient http = Start("* PENDING Deploy to production :timmy:\n  :PROPERTIES:\n  :ID: TASK-9\n  :END:\n");
        HttpResponseMessage asked = await http.PostAsJsonAsync("/api/controlplane/activity", new
        {
            event_type = "approval_request", agent_id = "timmy", task_id = "TASK-9", summary = "Deploy to production",
            details = "Window: 02:00 to 03:00.\n* not a headline\n#+TODO: NOT A SETTING",
        });
        Assert.Equal(HttpStatusCode.Created, asked.StatusCode);
        JsonElement approval = (await asked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("approval");
        Assert.Equal("APR-0001", approval.GetProperty("approval_id").GetString());

        JsonElement list = await http.GetFromJsonAsync<JsonElement>("/api/controlplane/approvals?agent_id=timmy");
        JsonElement pending = Assert.Single(list.GetProperty("pending").EnumerateArray());
        Assert.Equal("Window: 02:00 to 03:00.\n* not a headline\n#+TODO: NOT A SETTING", pending.GetProperty("details").GetString());
        Assert.Equal("TASK-9", pending.GetProperty("task_id").GetString());
        Assert.Empty(list.GetProperty("approved").EnumerateArray());
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("/api/controlplane/approvals?agent_id=ezra")).GetProperty("pending").EnumerateArray());

        // The queue still reads its own keywords (the file declared none: both lines were added), and
        // the approval is no task: nobody can claim it.
        Assert.StartsWith("#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n#+TODO: AWAITING(w) | APPROVED(a) REJECTED(r)\n* PENDING Deploy", File.ReadAllText(DispatchPath));
        var queue = new DispatchQueue(new OrgDispatch.Stores.FileDispatchStore(DispatchPath));
        Assert.Equal(["TASK-9"], (await queue.GetTasksAsync()).Select(t => t.Id));

        // A person in Emacs: on the approval's headline, C-c C-t a (here org-todo, as that key runs).
        string approve = """
            (progn (find-file (car command-line-args-left))
                   (unless (member "APPROVED" org-todo-keywords-1) (error "Org does not see APPROVED declared"))
                   (goto-char (point-min))
                   (re-search-forward "^\\*\\* AWAITING ")
                   (org-todo "APPROVED")
                   (save-buffer))
            """;
        ProcessRunner.Run("emacs", ["-Q", "--batch", "--eval", "(require 'org)", "--eval", approve, DispatchPath], TimeSpan.FromMinutes(2));
        Assert.Contains("** APPROVED Deploy to production", File.ReadAllText(DispatchPath));

        list = await http.GetFromJsonAsync<JsonElement>("/api/controlplane/approvals?agent_id=timmy");
        Assert.Empty(list.GetProperty("pending").EnumerateArray());
        Assert.Equal("APR-0001", Assert.Single(list.GetProperty("approved").EnumerateArray()).GetProperty("approval_id").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/controlplane/approvals?agent_id=nobody")).StatusCode);
    }

    [Fact]
    public async Task Bad_requests_get_a_JSON_error_and_change_nothing()
    {
        HttpClient http = Start(Dispatch);
        await Ok(http, "/api/controlplane/activity", new { event_type = "task_completed", agent_id = "ezra", task_id = "TASK-2" });
        string before = File.ReadAllText(DispatchPath);

        async Task Refused(HttpContent body, HttpStatusCode status, string code)
        {
            HttpResponseMessage r = await http.PostAsync("/api/controlplane/activity", body);
            Assert.Equal(status, r.StatusCode);
            Assert.Equal(code, (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            Assert.Equal(before, File.ReadAllText(DispatchPath));
        }
        await Refused(new StringContent("{\"event_type\": ", Encoding.UTF8, "application/json"), HttpStatusCode.BadRequest, "bad_json");
        await Refused(new StringContent("[1, 2]", Encoding.UTF8, "application/json"), HttpStatusCode.BadRequest, "bad_json");
        await Refused(JsonContent.Create(new { event_type = "celebration", agent_id = "timmy" }), HttpStatusCode.BadRequest, "unknown_event_type");
        await Refused(JsonContent.Create(new { event_type = "task_completed", agent_id = "mallory", task_id = "TASK-1" }), HttpStatusCode.NotFound, "unknown_agent");
        await Refused(JsonContent.Create(new { event_type = "task_completed", agent_id = "timmy" }), HttpStatusCode.BadRequest, "missing_field");
        await Refused(JsonContent.Create(new { event_type = "task_completed", agent_id = "timmy", task_id = "TASK-404" }), HttpStatusCode.NotFound, DispatchErrorCodes.NotFound);
        await Refused(JsonContent.Create(new { event_type = "approval_request", agent_id = "timmy", task_id = "TASK-404", summary = "x" }), HttpStatusCode.NotFound, DispatchErrorCodes.NotFound);
        await Refused(JsonContent.Create(new { event_type = "task_completed", agent_id = "timmy", task_id = "TASK-1", tokens_used = -5 }), HttpStatusCode.BadRequest, "bad_tokens");
        // Done already (by ezra): a second report is a conflict, not a second DONE.
        await Refused(JsonContent.Create(new { event_type = "task_completed", agent_id = "ezra", task_id = "TASK-2" }), HttpStatusCode.Conflict, DispatchErrorCodes.IllegalTransition);

        await Refused(JsonContent.Create(new { event_type = "error", agent_id = "timmy", task_id = "TASK-1", message = "x", tokens_used = 1_000_000_000_001 }), HttpStatusCode.BadRequest, "bad_tokens");
        await Refused(JsonContent.Create(new { event_type = "error", agent_id = "timmy", message = new string('x', 64 * 1024 + 1) }), HttpStatusCode.BadRequest, "too_long");
        // TASK-3 is the backend's (inherited tag); timmy's role is timmy.
        await Refused(JsonContent.Create(new { event_type = "task_completed", agent_id = "timmy", task_id = "TASK-3" }), HttpStatusCode.Forbidden, "not_your_role");
        // A summary Org would read as tags, a cookie or a comment.
        await Refused(JsonContent.Create(new { event_type = "approval_request", agent_id = "timmy", summary = "Deploy :ezra:" }), HttpStatusCode.BadRequest, "bad_summary");
        await Refused(JsonContent.Create(new { event_type = "approval_request", agent_id = "timmy", summary = "[#A] Deploy" }), HttpStatusCode.BadRequest, "bad_summary");
        await Refused(JsonContent.Create(new { event_type = "approval_request", agent_id = "timmy", summary = "  \n " }), HttpStatusCode.BadRequest, "missing_field");

        // The file declares the queue's keywords: the approvals' line goes right after that line.
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/controlplane/activity", new { event_type = "approval_request", agent_id = "timmy", summary = "Ship it" })).StatusCode);
        Assert.StartsWith("#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n#+TODO: AWAITING(w) | APPROVED(a) REJECTED(r)\n* PENDING [#A] Deploy", File.ReadAllText(DispatchPath));

        // An error with a task fails it (back to PENDING for a retry) and logs the message.
        HttpResponseMessage failed = await http.PostAsJsonAsync("/api/controlplane/activity", new { event_type = "error", agent_id = "ezra", task_id = "TASK-3", message = "disk full" });
        Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        Assert.Contains("ezra: error TASK-3: disk full tokens_used=0", File.ReadAllText(DispatchPath));
        DispatchTask task3 = await new DispatchQueue(new OrgDispatch.Stores.FileDispatchStore(DispatchPath)).GetTaskAsync("TASK-3");
        Assert.Equal((TaskState.Pending, 1), (task3.State, task3.Attempts));
    }

    [Fact]
    public async Task Sixteen_agents_completing_tasks_at_once_lose_nothing_and_do_nothing_twice()
    {
        const int Agents = 16, Tasks = 48;
        string[] names = Enumerable.Range(1, Agents).Select(i => $"agent{i}").ToArray();
        var sb = new StringBuilder("#+TODO: PENDING IN_PROGRESS | DONE SKIPPED FAILED\n");
        for (int i = 1; i <= Tasks; i++) sb.Append($"* PENDING Task {i} :crew:\n  :PROPERTIES:\n  :ID: T-{i}\n  :END:\n");
        string roster = JsonSerializer.Serialize(new { daily_tokens = 1_000_000, agents = names.Select(n => new { id = n, role = "crew", daily_tokens = 10_000 }) });
        HttpClient http = Start(sb.ToString(), roster);

        var completed = new System.Collections.Concurrent.ConcurrentBag<(string Agent, string Task)>();
        await Task.WhenAll(names.Select(agent => Task.Run(async () =>
        {
            var random = new Random(agent.GetHashCode(StringComparison.Ordinal));
            for (int round = 0; round < 200; round++) // bounded: 48 tasks among 16 agents need far fewer
            {
                JsonElement list = await http.GetFromJsonAsync<JsonElement>("/api/controlplane/tasks?role=crew&status=pending");
                var ids = list.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()!).ToList();
                if (ids.Count == 0) return;
                string id = ids[random.Next(ids.Count)];
                HttpResponseMessage r = await http.PostAsJsonAsync("/api/controlplane/activity", new { event_type = "task_completed", agent_id = agent, task_id = id, tokens_used = 10 });
                if (r.StatusCode == HttpStatusCode.OK) completed.Add((agent, id));
                else Assert.Equal(HttpStatusCode.Conflict, r.StatusCode); // another agent got there first
            }
            Assert.Fail($"{agent} still saw pending tasks after 200 rounds");
        })));

        Assert.Equal(Tasks, completed.Count);
        Assert.Equal(Tasks, completed.Select(c => c.Task).Distinct().Count());
        var queue = new DispatchQueue(new OrgDispatch.Stores.FileDispatchStore(DispatchPath));
        IReadOnlyList<DispatchTask> tasks = await queue.GetTasksAsync();
        Assert.All(tasks, t => Assert.Equal((TaskState.Done, 1), (t.State, t.Attempts)));
        string text = File.ReadAllText(DispatchPath);
        foreach (var (agent, id) in completed) Assert.Contains($"{agent}: task_completed {id}: completed tokens_used=10", text);
        Assert.Equal(Tasks, text.Split('\n').Count(l => l.Contains(": task_completed ", StringComparison.Ordinal)));
        JsonElement state = await http.GetFromJsonAsync<JsonElement>("/api/controlplane/state");
        Assert.Equal(Tasks * 10, state.GetProperty("budget").GetProperty("spent_today").GetInt64());
    }

    private static async Task Ok(HttpClient http, string path, object body)
    {
        HttpResponseMessage r = await http.PostAsJsonAsync(path, body);
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    public void Dispose()
    {
        _http?.Dispose();
        _server?.Dispose();
        _dir.Dispose();
    }
}
