using OrgDispatch.Lisp;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Queue;

namespace OrgDispatch.Tests.Hub;

/// <summary>A real Lisp peer: Emacs in batch mode talks to the hub over TCP with its own printer,
/// framing by its own <c>length</c>, and reads the replies with its own reader.</summary>
public sealed class InteropTests
{
    private static string Script => Path.Combine(TestEnvironment.RepoRoot, "tests", "OrgDispatch.Tests", "Hub", "hub-client.el");

    [RequiresFact(Requirements.Emacs)]
    public async Task Emacs_claims_and_appends_through_the_hub_and_reads_the_replies_and_an_event()
    {
        const string title = "Fix 😀 → é";
        string text = DispatchFiles.Pending(2).Replace("Task number 1", title);
        await using TestHub hub = await TestHub.StartAsync(text: text);

        string output = await Task.Run(() => ProcessRunner.Run("emacs", ["-Q", "--batch", "-l", Script, hub.Port.ToString()], TimeSpan.FromMinutes(1)));

        // Emacs printed its findings with prin1; our reader reads them back.
        var result = (SexpList)SexpReader.Read(output);
        Assert.Same(Sexp.T, result.Get("claim-ok"));
        Assert.Equal("claimed", result.GetString("outcome"));
        Assert.Equal(title, result.GetString("title"));
        Assert.Equal(9, result.GetInteger("title-length")); // Emacs counts characters: the 😀 is one
        Assert.Equal("émacs", result.GetString("holder"));
        Assert.Same(Sexp.T, result.Get("append-ok"));
        Assert.Equal("claimed", result.GetString("event"));
        Assert.Equal("TASK-0001", result.GetString("event-task"));
        Assert.Equal("émacs", result.GetString("event-agent"));

        string note = result.GetString("note")!;
        Assert.Equal("line one\nsay \"hi\" \\ back 😀 café", note);
        string file = await File.ReadAllTextAsync(hub.FilePath);
        Assert.Contains(":CLAIMED_BY: émacs", file);
        Assert.Contains("émacs: line one say \"hi\" \\ back 😀 café", file); // line breaks become spaces in the log
    }
}
