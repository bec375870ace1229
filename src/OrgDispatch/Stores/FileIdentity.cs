using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OrgDispatch.Stores;

/// <summary>
/// What identifies one version of a file without reading it: device, inode, size, modification and
/// change times in nanoseconds, and the owner, mode and link count a rewrite must keep. Read with
/// <c>statx(2)</c> on Linux; elsewhere .NET's size and modification time only
/// (<see cref="Precise"/> false), and the bytes decide.
/// </summary>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode, long Size, long ModifiedNs, long ChangedNs, uint Mode, uint Owner, uint Group, uint Links, bool Precise)
{
    // The kernel stamps times from a clock that ticks once a jiffy (1 to 10 ms: HZ is 1000 to 100),
    // so two writes within one tick can leave the same times. A change within this much of a read
    // (a few ticks, for the tick and the two clocks' offset) is checked byte for byte as well.
    private static readonly long CoarseClockMarginNs = (long)TimeSpan.FromMilliseconds(50).TotalNanoseconds;

    /// <summary>The identity of the file open as <paramref name="handle"/>.</summary>
    public static FileIdentity Of(SafeFileHandle handle, string path)
    {
        if (UseStatx && LinuxStat(handle, out FileIdentity identity)) return identity;
        return Portable(path);
    }

    /// <summary>The identity of the file at <paramref name="path"/> (not following a final symlink), or null if nothing is there.</summary>
    public static FileIdentity? OfPath(string path)
    {
        if (UseStatx)
        {
            var buffer = new Statx();
            try
            {
                if (Native.Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, ref buffer) == 0 && Complete(buffer)) return FromStatx(buffer);
            }
            catch (EntryPointNotFoundException)
            {
                s_noStatx = true; // a C library older than statx (glibc 2.28)
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20) return null; // ENOENT, ENOTDIR
            // Anything else (no statx in the kernel, a sandbox refusing it): what .NET can tell.
        }
        if (Directory.Exists(path)) return new FileIdentity(0, 0, 0, 0, 0, 0x4000, 0, 0, 1, Precise: false);
        return File.Exists(path) ? Portable(path) : null;
    }

    private static bool s_noStatx;

    private static bool UseStatx => OperatingSystem.IsLinux() && !s_noStatx;

    // The kernel says which fields it filled in; without these the identity would be made up.
    private static bool Complete(in Statx s) => (s.Mask & RequiredFields) == RequiredFields;

    // STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID | STATX_GID | STATX_MTIME | STATX_CTIME | STATX_INO | STATX_SIZE
    private const uint RequiredFields = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x80 | 0x100 | 0x200;

    /// <summary>Whether the kernel's coarse timestamps could hide a second change made right after the one
    /// they record: the last change was within a margin of <paramref name="readStartedNs"/>.
    /// A change time in whole seconds says the file system keeps no finer times (FAT, ext4 with small
    /// inodes, some network file systems): then nothing is near enough to trust.</summary>
    public bool ChangedNear(long readStartedNs) => !Precise || ChangedNs % 1_000_000_000 == 0 || ChangedNs >= readStartedNs - CoarseClockMarginNs;

    /// <summary>Now, in nanoseconds since the Unix epoch, on the clock file times use.</summary>
    public static long NowNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>Whether the two are the same file with the same content as far as the times tell (size and
    /// modification time; not the change time, which a rename or chmod moves without touching the bytes).</summary>
    public bool SameContentAs(FileIdentity other) =>
        Device == other.Device && Inode == other.Inode && Size == other.Size && ModifiedNs == other.ModifiedNs;

    /// <summary>Whether this is a regular file (not a folder, socket or device).</summary>
    public bool IsRegularFile => (Mode & 0xF000) == 0x8000;

    private static FileIdentity Portable(string path)
    {
        var info = new FileInfo(path);
        return new FileIdentity(0, 0, info.Length, (info.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks * 100, 0, 0x8000, 0, 0, 1, Precise: false);
    }

    private static bool LinuxStat(SafeFileHandle handle, out FileIdentity identity)
    {
        var buffer = new Statx();
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Native.StatxFd((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxBasicStats, ref buffer) != 0 || !Complete(buffer))
            {
                identity = default;
                return false;
            }
        }
        catch (EntryPointNotFoundException)
        {
            s_noStatx = true;
            identity = default;
            return false;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        identity = FromStatx(buffer);
        return true;
    }

    private static FileIdentity FromStatx(in Statx s) => new(
        ((ulong)s.DevMajor << 32) | s.DevMinor, s.Inode, (long)s.Size,
        s.MtimeSec * 1_000_000_000 + s.MtimeNsec, s.CtimeSec * 1_000_000_000 + s.CtimeNsec,
        s.Mode, s.Uid, s.Gid, s.Nlink, Precise: true);

    /// <summary>Gives the file open as <paramref name="handle"/> this owner (where allowed: root, or a group of one's own).</summary>
    public static void SetOwner(SafeFileHandle handle, uint owner, uint group)
    {
        if (!OperatingSystem.IsLinux()) return;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            // EPERM: not ours to give away. The file then belongs to this process's user, as after any rewrite.
            _ = Native.Fchown((int)handle.DangerousGetHandle(), owner, group);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;

    // struct statx from linux/stat.h: the same layout on every Linux architecture.
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Statx
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(16)] public uint Nlink;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(96)] public long CtimeSec;
        [FieldOffset(104)] public uint CtimeNsec;
        [FieldOffset(112)] public long MtimeSec;
        [FieldOffset(120)] public uint MtimeNsec;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        public static partial int Statx(int dirfd, string path, int flags, uint mask, ref Statx buffer);

        [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        public static partial int StatxFd(int fd, string path, int flags, uint mask, ref Statx buffer);

        [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
        public static partial int Fchown(int fd, uint owner, uint group);
    }
}
