using System.Security.Cryptography;
using System.Text;
using OrgDispatch.Emacs;
using OrgDispatch.Tests.Infrastructure;

namespace OrgDispatch.Tests.Emacs;

/// <summary>known_hosts read as OpenSSH reads it (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT).</summary>
public sealed class KnownHostsTests
{
    private static readonly byte[] Ed = Blob("ssh-ed25519", 1);
    private static readonly byte[] OtherEd = Blob("ssh-ed25519", 2);
    private static readonly byte[] Rsa = Blob("ssh-rsa", 3);

    [Theory]
    [InlineData("example.org", "example.org", 22, true)]
    [InlineData("EXAMPLE.org", "example.ORG", 22, true)]
    [InlineData("example.org", "example.org", 2222, false)]
    [InlineData("[example.org]:2222", "example.org", 2222, true)]
    [InlineData("[example.org]:2222", "example.org", 22, false)]
    [InlineData("*.example.org", "db.example.org", 22, true)]
    [InlineData("*.example.org", "example.org", 22, false)]
    [InlineData("db?.example.org", "db1.example.org", 22, true)]
    [InlineData("*.example.org,!secret.example.org", "secret.example.org", 22, false)]
    [InlineData("other,example.org", "example.org", 22, true)]
    public void Host_patterns_match_as_in_openssh(string patterns, string host, int port, bool matches)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("kh"), $"{patterns} ssh-ed25519 {Convert.ToBase64String(Ed)}\n");
        var known = KnownHosts.Load([dir.File("kh")]);
        Assert.Equal(matches ? HostKeyStatus.Known : HostKeyStatus.Unknown, known.Check(KnownHosts.LookupName(host, port), Ed).Status);
    }

    [Fact]
    public void A_hashed_name_matches_only_its_host()
    {
        using var dir = new TempDirectory();
        byte[] salt = RandomNumberGenerator.GetBytes(20);
#pragma warning disable CA5350 // the format's own hash
        string hash = Convert.ToBase64String(HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes("[10.0.0.5]:2200")));
#pragma warning restore CA5350
        File.WriteAllText(dir.File("kh"), $"|1|{Convert.ToBase64String(salt)}|{hash} ssh-ed25519 {Convert.ToBase64String(Ed)}\n");
        var known = KnownHosts.Load([dir.File("kh")]);
        Assert.Equal(HostKeyStatus.Known, known.Check("[10.0.0.5]:2200", Ed).Status);
        Assert.Equal(HostKeyStatus.Unknown, known.Check("[10.0.0.6]:2200", Ed).Status);
        Assert.Equal(HostKeyStatus.Changed, known.Check("[10.0.0.5]:2200", OtherEd).Status);
    }

    [Fact]
    public void Changed_other_type_revoked_and_unreadable_lines()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("kh"), string.Join('\n',
            "# comment",
            "",
            "broken line",
            "host.example ssh-ed25519 not-base64!",
            "@cert-authority *.example ssh-ed25519 " + Convert.ToBase64String(OtherEd),
            "host.example ssh-rsa " + Convert.ToBase64String(Rsa) + " a comment",
            "@revoked * ssh-ed25519 " + Convert.ToBase64String(OtherEd)));
        var known = KnownHosts.Load([dir.File("kh"), dir.File("missing")]);
        Assert.Equal(["ssh-rsa"], known.KeyTypes("host.example"));
        Assert.Equal(HostKeyStatus.Known, known.Check("host.example", Rsa).Status);
        (HostKeyStatus status, string? where) = known.Check("host.example", Ed);
        Assert.Equal(HostKeyStatus.OtherTypeKnown, status);
        Assert.Equal(dir.File("kh") + ":6", where);
        Assert.Equal(HostKeyStatus.Changed, known.Check("host.example", Blob("ssh-rsa", 9)).Status);
        Assert.Equal(HostKeyStatus.Revoked, known.Check("any.example", OtherEd).Status);
    }

    [Fact]
    public void Appending_creates_a_private_file_and_never_glues_onto_a_last_line()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, ".ssh", "known_hosts");
        KnownHosts.Append(path, KnownHosts.Line("[h]:2", Ed));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        File.AppendAllText(path, "other ssh-rsa " + Convert.ToBase64String(Rsa)); // no final newline
        KnownHosts.Append(path, KnownHosts.Line("h", OtherEd));
        Assert.Equal(
            $"[h]:2 ssh-ed25519 {Convert.ToBase64String(Ed)}\nother ssh-rsa {Convert.ToBase64String(Rsa)}\nh ssh-ed25519 {Convert.ToBase64String(OtherEd)}\n",
            File.ReadAllText(path));
    }

    // A public key blob: the type as an SSH string, then some bytes standing for the key.
    private static byte[] Blob(string type, byte seed)
    {
        byte[] name = Encoding.ASCII.GetBytes(type);
        byte[] blob = new byte[4 + name.Length + 32];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob, (uint)name.Length);
        name.CopyTo(blob, 4);
        blob.AsSpan(4 + name.Length).Fill(seed);
        return blob;
    }
}
