using OrgDispatch.Lisp;

namespace OrgDispatch.Emacs;

/// <summary>Something that evaluates Emacs Lisp in a running Emacs: the server socket on this host
/// (<see cref="EmacsServerClient"/>) or on another host over SSH.</summary>
public interface IEmacsEvaluator
{
    /// <summary>Where the Emacs is, for messages (a socket path, <c>host:port</c>, <c>user@host:socket</c>).</summary>
    string Description { get; }

    /// <summary>Evaluates <paramref name="expression"/> (one Lisp form, as text) and returns what Emacs printed.</summary>
    /// <param name="expression">The form, e.g. <c>(buffer-name)</c>. Any text; it is quoted for the wire.</param>
    /// <param name="cancellationToken">Cancels the wait. Emacs may already have evaluated the form.</param>
    /// <returns>The printed value.</returns>
    /// <exception cref="EmacsServerException">The server cannot be reached, timed out, or the form signalled an error.</exception>
    Task<EmacsResult> EvaluateAsync(string expression, CancellationToken cancellationToken = default);
}

/// <summary>The answer to an evaluation: the value as Emacs printed it (with <c>pp</c>), and which Emacs answered.</summary>
/// <param name="Text">The printed value, without the final newline <c>pp</c> adds.</param>
/// <param name="EmacsPid">The process id Emacs reported (<c>-emacs-pid</c>); it changes when the daemon restarts.</param>
public sealed record EmacsResult(string Text, int EmacsPid)
{
    /// <summary>Reads <see cref="Text"/> as an s-expression.</summary>
    /// <exception cref="SexpFormatException">The value has no readable printed form (e.g. <c>#&lt;buffer x&gt;</c>) or is not
    /// in the subset <see cref="SexpReader"/> reads.</exception>
    public Sexp Read() => SexpReader.Read(Text);

    /// <summary>Reads <see cref="Text"/> as an s-expression if it is one.</summary>
    public bool TryRead(out Sexp? value)
    {
        try
        {
            value = Read();
            return true;
        }
        catch (SexpFormatException)
        {
            value = null;
            return false;
        }
    }
}
