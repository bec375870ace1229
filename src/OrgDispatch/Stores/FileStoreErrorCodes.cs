namespace OrgDispatch.Stores;

/// <summary>The codes a <see cref="FileDispatchStore"/> gives its <see cref="Queue.DispatchStoreException"/>s
/// (the CLI's JSON <c>code</c>). Every one of them means the dispatch file is unchanged; once the cause
/// is gone the next operation works.</summary>
public static class FileStoreErrorCodes
{
    /// <summary>The disk (or the user's quota) is full: ENOSPC, EDQUOT.</summary>
    public const string NoSpace = "no_space";

    /// <summary>The file system is mounted read-only: EROFS.</summary>
    public const string ReadOnly = "read_only";

    /// <summary>This user may not read the file or write in its folder: EACCES, EPERM.</summary>
    public const string PermissionDenied = "permission_denied";

    /// <summary>The file, its folder or its symlink's target does not exist, or vanished during the change.</summary>
    public const string FileMissing = "file_missing";

    /// <summary>The path is a folder or something else that is not a regular file.</summary>
    public const string NotAFile = "not_a_file";

    /// <summary>The file has several hard links, which replacing it would split.</summary>
    public const string HardLinked = "hard_linked";

    /// <summary>Another OrgDispatch process held the lock for longer than the lock timeout.</summary>
    public const string Locked = "locked";

    /// <summary>Another program kept writing the file without OrgDispatch's lock while it was being changed.</summary>
    public const string ForeignWrites = "foreign_writes";
}
