namespace OrgDispatch.Emacs;

/// <summary>Quoting for the remote shell, which both SSH engines hand their commands to.</summary>
internal static class Shell
{
    /// <summary><paramref name="s"/> as one word for a POSIX shell: single-quoted, with each <c>'</c> as <c>'\''</c>.</summary>
    public static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
