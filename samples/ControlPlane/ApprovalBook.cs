using System.Globalization;
using System.Text;
using OrgDispatch.Document;
using OrgDispatch.Queue;
using OrgDispatch.Syntax;

namespace ControlPlane;

/// <summary>An approval an agent asked for, as read back from the dispatch file.</summary>
public sealed record Approval(string ApprovalId, string Status, string Summary, string Details, string? TaskId, string RequestedBy, string? RequestedAt);

/// <summary>
/// Approvals live in the dispatch file, under a top-level <c>Approvals</c> headline, one child headline
/// each, so a person approves in Emacs by changing its keyword (<c>C-c C-t a</c>):
/// <code>
/// #+TODO: AWAITING(w) | APPROVED(a) REJECTED(r)
/// * Approvals
/// ** AWAITING Deploy auth service to production
///    :PROPERTIES:
///    :APPROVAL_ID: APR-0001
///    :REQUESTED_BY: timmy
///    ...
/// </code>
/// Their keywords are not the queue's, so no agent ever claims an approval. Writes go through the
/// connection's <see cref="IDispatchStore"/>, serialised with the queue's transactions by the same lock or Emacs buffer.
/// </summary>
public sealed class ApprovalBook(IDispatchStore store, DispatchOptions queueOptions, TimeProvider clock)
{
    /// <summary>The title of the headline the approvals live under.</summary>
    public const string Headline = "Approvals";
    /// <summary>The keyword of an approval nobody has decided on.</summary>
    public const string Awaiting = "AWAITING";
    /// <summary>The keyword a person sets to approve.</summary>
    public const string Approved = "APPROVED";
    /// <summary>The keyword a person sets to refuse.</summary>
    public const string Rejected = "REJECTED";
    /// <summary>The <c>#+TODO:</c> line that declares them, with fast-selection keys for <c>C-c C-t</c>.</summary>
    public const string TodoLine = "AWAITING(w) | APPROVED(a) REJECTED(r)";

    private readonly OrgSyntaxOptions _syntax = new()
    {
        TodoKeywords = TodoKeywordSet.Parse([queueOptions.Keywords.TodoLine, TodoLine]),
    };

    /// <summary>The agent's approvals, in file order.</summary>
    public async Task<IReadOnlyList<Approval>> ForAgentAsync(string agent, CancellationToken cancellationToken)
    {
        OrgDocument doc = await store.ReadAsync(_syntax, cancellationToken).ConfigureAwait(false);
        return Read(doc).Where(a => a.RequestedBy == agent).ToList();
    }

    /// <summary>Adds an awaiting approval with the next free id, declaring the keywords first if the
    /// file does not (and the queue's with them when it declares none, so Org still sees those).</summary>
    public ValueTask<Approval> RequestAsync(string agent, string summary, string details, string? taskId, CancellationToken cancellationToken) =>
        store.UpdateAsync(_syntax, doc =>
        {
            var edits = new List<OrgTextEdit>();
            if (Declaration(doc) is { } declaration) edits.Add(declaration);

            // Every id in the file counts, wherever a person moved or archived its approval.
            long next = 1 + doc.Headlines.Select(h => h.GetProperty("APPROVAL_ID") is { } v && v.StartsWith("APR-", StringComparison.Ordinal)
                && long.TryParse(v.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n < int.MaxValue ? n : 0).DefaultIfEmpty(0).Max();
            var approval = new Approval($"APR-{next:D4}", "pending", summary, details, taskId, agent,
                clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            string entry = $"{Awaiting} {summary}";
            string content = Content(approval);

            if (Parent(doc) is { } parent)
            {
                edits.AddRange(doc.Edit().AppendHeadline(parent, entry, content).ComputeEdits());
            }
            else
            {
                // A new parent and its first child in one insertion at the end of the file.
                ReadOnlySpan<byte> src = doc.Source.Span;
                string gap = src.Length > 0 && src[^1] != (byte)'\n' ? "\n" : "";
                edits.Add(new OrgTextEdit(src.Length, 0, $"{gap}* {Headline}\n** {entry}\n{content}"));
            }
            // Edits must be in source order; the declaration is in the preamble, before every headline.
            return new DispatchChange<Approval>(edits.OrderBy(e => e.Start).ToList(), approval);
        }, cancellationToken);

    /// <summary>Whether Org reads <paramref name="summary"/> as an approval's title and nothing else
    /// (no tags, priority cookie or COMMENT), so what the agent asked is what a person sees.</summary>
    public bool IsPlainTitle(string summary)
    {
        OrgDocument probe = OrgDocument.Parse($"* {Awaiting} {summary}\n", _syntax);
        OrgHeadline h = probe.GetHeadline(0);
        return probe.HeadlineCount == 1 && h.TodoKeyword == Awaiting && h.Title == summary && h.Tags.Count == 0 && h.Priority is null && !h.IsCommented;
    }

    private static OrgHeadline? Parent(OrgDocument doc)
    {
        foreach (OrgHeadline h in doc.Headlines)
        {
            if (h.Level == 1 && h.TodoKeyword is null && h.Title == Headline) return h;
        }
        return null;
    }

    private static IEnumerable<Approval> Read(OrgDocument doc)
    {
        if (Parent(doc) is not { } parent) yield break;
        foreach (OrgHeadline h in parent.Children)
        {
            string? status = h.TodoKeyword switch
            {
                Awaiting => "pending",
                Approved => "approved",
                Rejected => "rejected",
                _ => null,
            };
            if (status is null || h.GetProperty("APPROVAL_ID") is not { } id || h.GetProperty("REQUESTED_BY") is not { } by) continue;
            string section = h.SectionRange.GetString(doc.Source.Span);
            yield return new Approval(id, status, h.Title, Details(section), h.GetProperty("TASK_ID"), by, h.GetProperty("REQUESTED_AT"));
        }
    }

    /// <summary>The property drawer, then the details in an example block, escaped as Org escapes
    /// block contents (a comma before lines that start with <c>*</c> or <c>#+</c>), so no text an
    /// agent sends can start a headline or an in-buffer setting.</summary>
    private static string Content(Approval a)
    {
        var sb = new StringBuilder();
        sb.Append("   :PROPERTIES:\n");
        sb.Append("   :APPROVAL_ID: ").Append(a.ApprovalId).Append('\n');
        sb.Append("   :REQUESTED_BY: ").Append(a.RequestedBy).Append('\n');
        sb.Append("   :REQUESTED_AT: ").Append(a.RequestedAt).Append('\n');
        if (a.TaskId is not null) sb.Append("   :TASK_ID: ").Append(a.TaskId).Append('\n');
        sb.Append("   :END:\n");
        if (a.Details.Length > 0)
        {
            sb.Append("   #+begin_example\n");
            foreach (string line in a.Details.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'))
            {
                string t = line.TrimStart(' ', '\t');
                string bare = t.TrimStart(',');
                sb.Append(bare.StartsWith('*') || bare.StartsWith("#+", StringComparison.Ordinal) ? "," : "")
                  .Append(line).Append('\n');
            }
            sb.Append("   #+end_example\n");
        }
        return sb.ToString();
    }

    /// <summary>The example block's text, unescaped; empty when there is none.</summary>
    private static string Details(string section)
    {
        var lines = new List<string>();
        bool inside = false;
        foreach (string line in section.Split('\n'))
        {
            string t = line.Trim();
            if (!inside) { inside = t.Equals("#+begin_example", StringComparison.OrdinalIgnoreCase); continue; }
            if (t.Equals("#+end_example", StringComparison.OrdinalIgnoreCase)) break;
            int i = line.Length - line.TrimStart(' ', '\t').Length;
            string bare = line[i..].TrimStart(',');
            lines.Add(i < line.Length && line[i] == ',' && (bare.StartsWith('*') || bare.StartsWith("#+", StringComparison.Ordinal))
                ? line.Remove(i, 1) : line);
        }
        return string.Join('\n', lines);
    }

    /// <summary>The insertion that declares the approval keywords (right after the file's last
    /// <c>#+TODO:</c> line, wherever Org reads it), or null when the file declares them. A file with no
    /// <c>#+TODO:</c> line gets the queue's too: a declared line replaces Org's defaults.</summary>
    private OrgTextEdit? Declaration(OrgDocument doc)
    {
        if (doc.Settings.TodoSequences.Any(seq => TodoKeywordSet.Parse([seq]).Contains(Awaiting))) return null;
        ReadOnlySpan<byte> src = doc.Source.Span;
        int after = -1;
        OrgReader reader = doc.CreateReader();
        while (reader.Read())
        {
            OrgToken t = reader.Token;
            if (t.Kind != OrgTokenKind.Keyword) continue;
            ReadOnlySpan<byte> name = t.Name.Of(src);
            if (Ascii.EqualsIgnoreCase(name, "TODO"u8) || Ascii.EqualsIgnoreCase(name, "SEQ_TODO"u8) || Ascii.EqualsIgnoreCase(name, "TYP_TODO"u8)) after = t.Start;
        }
        if (after < 0) return new OrgTextEdit(0, 0, $"#+TODO: {queueOptions.Keywords.TodoLine}\n#+TODO: {TodoLine}\n");
        int newline = src[after..].IndexOf((byte)'\n');
        return newline < 0
            ? new OrgTextEdit(src.Length, 0, $"\n#+TODO: {TodoLine}\n")
            : new OrgTextEdit(after + newline + 1, 0, $"#+TODO: {TodoLine}\n");
    }
}
