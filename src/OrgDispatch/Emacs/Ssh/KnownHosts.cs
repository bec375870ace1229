using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OrgDispatch.Emacs;

/// <summary>
/// OpenSSH's known_hosts files, read as <c>ssh</c> reads them (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"):
/// <c>[@revoked|@cert-authority] PATTERNS KEYTYPE BASE64 [COMMENT]</c>, where PATTERNS is a
/// comma-separated list of names, <c>[name]:port</c> for a port other than 22, <c>*</c>/<c>?</c>
/// wildcards, <c>!</c> negations, or one hashed name (<c>|1|SALT|HMAC-SHA1</c>). Used by the SSH.NET
/// engine, which has no host key checking of its own.
/// </summary>
internal sealed class KnownHosts
{
    private readonly List<Entry> _entries;

    private KnownHosts(List<Entry> entries) => _entries = entries;

    /// <summary>Reads the files that exist of <paramref name="paths"/>; lines that cannot be read are skipped, as ssh skips them.</summary>
    public static KnownHosts Load(IEnumerable<string> paths)
    {
        List<Entry> entries = [];
        foreach (string path in paths)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue;
            }
            for (int i = 0; i < lines.Length; i++)
            {
                if (Entry.TryParse(lines[i], path, i + 1) is { } entry) entries.Add(entry);
            }
        }
        return new KnownHosts(entries);
    }

    /// <summary>The name ssh looks up for a host and port: <c>host</c> on port 22, else <c>[host]:port</c>.</summary>
    public static string LookupName(string host, int port) => port == 22 ? host.ToLowerInvariant() : $"[{host.ToLowerInvariant()}]:{port}";

    /// <summary>The key types known for <paramref name="name"/> (not revoked), in file order: the host
    /// key algorithms to ask the server for, so that it shows a key we can check.</summary>
    public IReadOnlyList<string> KeyTypes(string name) =>
        _entries.Where(e => !e.Revoked && !e.CertAuthority && e.Matches(name)).Select(e => e.KeyType).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Checks the key the server showed.</summary>
    public (HostKeyStatus Status, string? Where) Check(string name, byte[] keyBlob)
    {
        string keyType = KeyTypeOf(keyBlob);
        if (_entries.FirstOrDefault(e => e.Revoked && e.Key.AsSpan().SequenceEqual(keyBlob)) is { } revoked) return (HostKeyStatus.Revoked, revoked.Where);
        List<Entry> mine = _entries.Where(e => !e.Revoked && !e.CertAuthority && e.Matches(name)).ToList();
        if (mine.Any(e => e.Key.AsSpan().SequenceEqual(keyBlob))) return (HostKeyStatus.Known, null);
        if (mine.FirstOrDefault(e => e.KeyType == keyType) is { } changed) return (HostKeyStatus.Changed, changed.Where);
        return mine.Count > 0 ? (HostKeyStatus.OtherTypeKnown, mine[0].Where) : (HostKeyStatus.Unknown, null);
    }

    /// <summary>The line <c>accept-new</c> appends: the lookup name, the key type, the key.</summary>
    public static string Line(string name, byte[] keyBlob) => $"{name} {KeyTypeOf(keyBlob)} {Convert.ToBase64String(keyBlob)}";

    /// <summary>Appends <paramref name="line"/> to the user's file, creating it (and its folder) private as ssh does.</summary>
    public static void Append(string path, string line)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        bool isNew = !File.Exists(path);
        // A file that does not end its last line would glue ours onto it.
        bool needsNewline = !isNew && new FileInfo(path).Length > 0 && LastByte(path) != '\n';
        File.AppendAllText(path, (needsNewline ? "\n" : "") + line + "\n");
        if (isNew && !OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>The key type named inside a public key blob (its first string), e.g. <c>ssh-ed25519</c>.</summary>
    public static string KeyTypeOf(ReadOnlySpan<byte> keyBlob)
    {
        if (keyBlob.Length < 4) return "";
        uint length = BinaryPrimitives.ReadUInt32BigEndian(keyBlob);
        return length <= (uint)keyBlob.Length - 4 ? Encoding.ASCII.GetString(keyBlob.Slice(4, (int)length)) : "";
    }

    /// <summary>The SHA256 fingerprint as ssh prints it: <c>SHA256:</c> and unpadded base64.</summary>
    public static string Fingerprint(byte[] keyBlob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    private static int LastByte(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte();
    }

    private sealed record Entry(string[] Patterns, string KeyType, byte[] Key, bool Revoked, bool CertAuthority, string Where)
    {
        public static Entry? TryParse(string line, string path, int number)
        {
            string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith('#')) return null;
            bool revoked = false, authority = false;
            int at = 0;
            if (fields[0].StartsWith('@'))
            {
                revoked = fields[0] == "@revoked";
                authority = fields[0] == "@cert-authority";
                if (!revoked && !authority) return null;
                at = 1;
            }
            if (fields.Length < at + 3) return null;
            byte[] key;
            try
            {
                key = Convert.FromBase64String(fields[at + 2]);
            }
            catch (FormatException)
            {
                return null;
            }
            return new Entry(fields[at].Split(','), fields[at + 1], key, revoked, authority, $"{path}:{number}");
        }

        // A name matches when some pattern matches it and no negated pattern does.
        public bool Matches(string name)
        {
            bool matched = false;
            foreach (string pattern in Patterns)
            {
                if (pattern.StartsWith("|1|", StringComparison.Ordinal))
                {
                    matched |= HashedMatches(pattern, name);
                }
                else if (pattern.StartsWith('!'))
                {
                    if (Wildcard(pattern.AsSpan(1), name)) return false;
                }
                else
                {
                    matched |= Wildcard(pattern, name);
                }
            }
            return matched;
        }

        private static bool HashedMatches(string pattern, string name)
        {
            string[] parts = pattern.Split('|'); // "", "1", salt, hash
            if (parts.Length != 4) return false;
            try
            {
                byte[] salt = Convert.FromBase64String(parts[2]);
                byte[] expected = Convert.FromBase64String(parts[3]);
                // The hashed known_hosts format is defined with HMAC-SHA1; it names a host, it protects nothing.
#pragma warning disable CA5350
                return CryptographicOperations.FixedTimeEquals(HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name)), expected);
#pragma warning restore CA5350
            }
            catch (FormatException)
            {
                return false;
            }
        }

        // ssh's match_pattern: '*' any run, '?' one character, case-insensitive for host names.
        private static bool Wildcard(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
        {
            int p = 0, n = 0, star = -1, resume = 0;
            while (n < name.Length)
            {
                if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(name[n])))
                {
                    p++;
                    n++;
                }
                else if (p < pattern.Length && pattern[p] == '*')
                {
                    star = p++;
                    resume = n;
                }
                else if (star >= 0)
                {
                    p = star + 1;
                    n = ++resume;
                }
                else
                {
                    return false;
                }
            }
            while (p < pattern.Length && pattern[p] == '*') p++;
            return p == pattern.Length;
        }
    }
}

/// <summary>What known_hosts says about the key a server showed.</summary>
internal enum HostKeyStatus
{
    /// <summary>A line for this host has this key.</summary>
    Known,

    /// <summary>No line names this host.</summary>
    Unknown,

    /// <summary>A line for this host has another key of the same type: the host key changed (or someone is in between).</summary>
    Changed,

    /// <summary>Lines for this host have keys of other types only.</summary>
    OtherTypeKnown,

    /// <summary>The key is marked <c>@revoked</c>.</summary>
    Revoked,
}
