using System.Text;

namespace OcfAgents.Sys;

/// <summary>What lstat(2) would say about a path, reduced to what agents decide on.</summary>
public enum PathKind { Absent, Symlink, Directory, File, Other }

/// <summary>
/// File-system steps that are each atomic on one file system, so that a SIGKILL between any
/// two of them leaves a state the next run can recognise and finish.
/// </summary>
public static class AtomicFs
{
    /// <summary>
    /// Classifies a path without following a final symlink: one lstat(2). A fifo, socket or device
    /// is <see cref="PathKind.Other"/> (never opened as a file). Absent when a component is missing.
    /// </summary>
    public static unsafe PathKind Kind(string path)
    {
        var buf = stackalloc byte[Native.StatSize + 112];
        if (Native.LStat(path, buf) != 0)
        {
            var errno = Native.LastErrno;
            if (errno is Native.ENOENT or Native.ENOTDIR) return PathKind.Absent;
            throw new SysError("lstat", path, errno);
        }
        return (*(uint*)(buf + Native.StatModeOffset) & Native.S_IFMT) switch
        {
            Native.S_IFLNK => PathKind.Symlink,
            Native.S_IFDIR => PathKind.Directory,
            Native.S_IFREG => PathKind.File,
            _ => PathKind.Other,
        };
    }

    /// <summary>
    /// Null when the current user can read <paramref name="path"/> (and search it, for a
    /// directory); otherwise why not. One access(2) call, no open.
    /// </summary>
    public static string? ReadableError(string path)
    {
        var mode = Directory.Exists(path) ? Native.R_OK | Native.X_OK : Native.R_OK;
        return Native.Access(path, mode) == 0 ? null : Native.ErrnoText(Native.LastErrno);
    }

    /// <summary>access(2) X_OK: may the current user execute this file?</summary>
    public static bool IsExecutable(string path) => Native.Access(path, Native.X_OK) == 0;

    /// <summary>The link text of a symlink, or null when the path is not a symlink or is absent.</summary>
    public static unsafe string? ReadLink(string path)
    {
        Span<byte> buf = stackalloc byte[4096];
        fixed (byte* p = buf)
        {
            var n = Native.ReadLink(path, p, buf.Length);
            if (n < 0)
            {
                var errno = Native.LastErrno;
                if (errno is Native.EINVAL or Native.ENOENT or Native.ENOTDIR) return null;
                throw new SysError("readlink", path, errno);
            }
            return Encoding.UTF8.GetString(buf[..(int)n]);
        }
    }

    /// <summary>
    /// Makes <paramref name="linkPath"/> a symlink to <paramref name="target"/> atomically: the
    /// link is made under <paramref name="tempPath"/> and renamed to the final name, so readers see
    /// either nothing or the finished link. The rename never replaces (RENAME_NOREPLACE): the path
    /// is empty when we get here, and if anything appeared there meanwhile — data another action
    /// restored, say — it stays and we fail with EEXIST instead of destroying it.
    /// </summary>
    public static void SymlinkNoReplace(string target, string linkPath, string tempPath)
    {
        Logging.ActionTrace.Write($"symlink {tempPath} -> {target}, then rename it to {linkPath} (no replace)");
        if (Native.Symlink(target, tempPath) != 0)
            throw new SysError("symlink", tempPath, Native.LastErrno);
        CrashPoint.Here($"made temporary link {tempPath}");
        try { RenameNoReplace(tempPath, linkPath); }
        catch (SysError)
        {
            Native.Unlink(tempPath);
            throw;
        }
    }

    /// <summary>
    /// rename(2) that never replaces an existing destination (renameat2 RENAME_NOREPLACE). This
    /// is the guarantee behind "an existing backup is never overwritten": the check and the move
    /// are one system call. File systems without RENAME_NOREPLACE get a checked plain rename.
    /// </summary>
    public static void RenameNoReplace(string from, string to)
    {
        Logging.ActionTrace.Write($"rename {from} -> {to} (no replace)");
        if (Native.RenameAt2(Native.AT_FDCWD, from, Native.AT_FDCWD, to, Native.RENAME_NOREPLACE) == 0)
        {
            FsyncParent(to);
            return;
        }
        var errno = Native.LastErrno;
        if (errno is not (Native.EINVAL or Native.ENOSYS)) throw new SysError("rename", $"{from} -> {to}", errno);
        if (Kind(to) != PathKind.Absent) throw new SysError("rename", $"{from} -> {to}", Native.EEXIST);
        if (Native.Rename(from, to) != 0) throw new SysError("rename", $"{from} -> {to}", Native.LastErrno);
        FsyncParent(to);
    }

    public static void Unlink(string path)
    {
        Logging.ActionTrace.Write($"unlink {path}");
        if (Native.Unlink(path) != 0)
        {
            var errno = Native.LastErrno;
            if (errno != Native.ENOENT) throw new SysError("unlink", path, errno);
        }
        FsyncParent(path);
    }

    /// <summary>Writes a file under a temp name, fsyncs it, renames it in place and fsyncs the directory.</summary>
    public static void WriteFileAtomic(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        var dir = Path.GetDirectoryName(path) ?? "/";
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        Logging.ActionTrace.Write($"write {path} ({content.Length} bytes, via {temp})");
        try
        {
            using (var fs = new FileStream(temp, new FileStreamOptions
                   { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: true);
            }
            if (Native.Rename(temp, path) != 0) throw new SysError("rename", path, Native.LastErrno);
        }
        catch
        {
            Native.Unlink(temp);
            throw;
        }
        FsyncDirectory(dir);
    }

    public static void FsyncParent(string path) => FsyncDirectory(Path.GetDirectoryName(path) ?? "/");

    /// <summary>Makes a rename or unlink in <paramref name="dir"/> durable. Best effort: some file systems refuse.</summary>
    public static void FsyncDirectory(string dir)
    {
        var fd = Native.Open(dir, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC);
        if (fd < 0) return;
        Native.Fsync(fd);
        Native.Close(fd);
    }
}
