namespace TmuxFleet;

/// <summary>Delivers one-line messages to agents' panes, and checks that they arrived.</summary>
public sealed class Messenger(TmuxServer tmux, TextWriter log)
{
    /// <summary>How many times a message is pasted before delivery counts as failed.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>How long to wait for the pane to show a pasted message, per attempt.</summary>
    public TimeSpan VerifyTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Pastes <paramref name="message"/> into the agent's pane and presses Enter, then reads the
    /// pane back until it shows the message; pastes again (at most <see cref="MaxAttempts"/> times) when it
    /// does not. Returns whether it arrived.</summary>
    public async Task<bool> DeliverAsync(string agent, string message, CancellationToken ct)
    {
        message = message.ReplaceLineEndings(" ");
        if (!await tmux.HasSessionAsync(agent, ct))
        {
            log.WriteLine($"undelivered to {agent}: no session {agent} on tmux -L {tmux.Name}");
            return false;
        }
        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            int before = Occurrences(await tmux.CaptureAsync(agent, ct), message);
            await tmux.PasteAsync(agent, message, ct);
            for (var waited = TimeSpan.Zero; waited < VerifyTimeout; waited += TimeSpan.FromMilliseconds(100))
            {
                if (Occurrences(await tmux.CaptureAsync(agent, ct), message) > before)
                {
                    log.WriteLine($"delivered to {agent}: {message}");
                    return true;
                }
                await Task.Delay(100, ct);
            }
        }
        log.WriteLine($"undelivered to {agent} after {MaxAttempts} attempts: {message}");
        return false;
    }

    private static int Occurrences(string text, string message)
    {
        // The pane may cut a long message; its first 60 characters are enough to recognise it.
        string needle = message.Length > 60 ? message[..60] : message;
        int n = 0;
        for (int i = text.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = text.IndexOf(needle, i + needle.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
