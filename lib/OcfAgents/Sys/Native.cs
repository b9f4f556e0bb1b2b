using System.Runtime.InteropServices;

namespace OcfAgents.Sys;

/// <summary>
/// The few libc calls .NET does not expose with the semantics we need: rename without replace,
/// readlink with errno, fsync of a directory, and an exit that cannot deadlock on a lock held by
/// another thread (used by the deadline watchdog).
/// </summary>
internal static partial class Native
{
    public const int AT_FDCWD = -100;
    public const uint RENAME_NOREPLACE = 1;
    public const int O_RDONLY = 0;
    public const int O_DIRECTORY = 0x10000;
    public const int O_CLOEXEC = 0x80000;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGSTOP = 19;

    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EACCES = 13, EEXIST = 17, ENOTDIR = 20,
        EIO = 5, EISDIR = 21, EINVAL = 22, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, EROFS = 30, EINTR = 4,
        ECONNREFUSED = 111;

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Rename(string oldpath, string newpath);

    [LibraryImport("libc", EntryPoint = "symlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Symlink(string target, string linkpath);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlink(string path);

    [LibraryImport("libc", EntryPoint = "readlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial nint ReadLink(string path, byte* buf, nint bufsiz);

    [LibraryImport("libc", EntryPoint = "opendir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint OpenDir(string name);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static partial nint ReadDir(nint dir);

    [LibraryImport("libc", EntryPoint = "closedir")]
    private static partial int CloseDir(nint dir);

    /// <summary>
    /// The names in a directory (without . and ..), from readdir(3) alone: .NET's enumerators
    /// lstat and stat every symlink they meet, which for /proc/PID/fd is two system calls per
    /// descriptor. glibc's 64-bit struct dirent: d_ino (8), d_off (8), d_reclen (2), d_type (1),
    /// then d_name, NUL-terminated, at offset 19.
    /// </summary>
    public static unsafe List<string> DirectoryNames(string path)
    {
        var dir = OpenDir(path);
        if (dir == 0) throw new IOException($"opendir {path}: errno {LastErrno}");
        try
        {
            var names = new List<string>();
            for (var entry = ReadDir(dir); entry != 0; entry = ReadDir(dir))
            {
                var name = Marshal.PtrToStringUTF8(entry + 19);
                if (name is not (null or "." or "..")) names.Add(name);
            }
            return names;
        }
        finally { CloseDir(dir); }
    }

    /// <summary>lstat(2) into a caller's buffer; glibc x86-64 struct stat has st_mode (4 bytes) at offset 24, 144 bytes in all.</summary>
    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int LStat(string path, byte* buf);

    public const int StatModeOffset = 24, StatUidOffset = 28, StatSize = 144;
    public const uint S_IFMT = 0xF000, S_IFLNK = 0xA000, S_IFDIR = 0x4000, S_IFREG = 0x8000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    /// <summary>mkdtemp(3): the template's trailing XXXXXX replaced in place; a 0700 directory only we made.</summary>
    [LibraryImport("libc", EntryPoint = "mkdtemp", SetLastError = true)]
    public static unsafe partial byte* MkdTemp(byte* template);

    [LibraryImport("libc", EntryPoint = "isatty")]
    public static partial int IsATty(int fd);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mkdir(string path, uint mode);

    /// <summary>flock(2): LOCK_EX | LOCK_NB; released by the kernel when the process dies, SIGKILL included.</summary>
    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    public const int LOCK_EX = 2, LOCK_NB = 4, O_RDWR = 2, O_NOFOLLOW = 0x20000, EWOULDBLOCK = 11;

    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Rmdir(string path);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Access(string path, int mode);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int sig);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);

    public const int WNOHANG = 1;

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buf, nint count);

    /// <summary>setenv(3): unlike Environment.SetEnvironmentVariable, visible to native getenv (OpenSSL).</summary>
    [LibraryImport("libc", EntryPoint = "setenv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint RealPath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    public static partial void Free(nint p);

    [LibraryImport("libc", EntryPoint = "getrandom", SetLastError = true)]
    public static unsafe partial nint GetRandom(byte* buffer, nint length, uint flags);

    [LibraryImport("libc", EntryPoint = "_exit")]
    public static partial void Exit(int status);

    public const int R_OK = 4, W_OK = 2, X_OK = 1, F_OK = 0;

    public static int LastErrno => Marshal.GetLastPInvokeError();

    public static string ErrnoText(int errno) => errno switch
    {
        EPERM => "operation not permitted",
        ENOENT => "no such file or directory",
        EACCES => "permission denied",
        EEXIST => "already exists",
        ENOTDIR => "not a directory",
        EISDIR => "is a directory",
        EINVAL => "invalid argument",
        ENOTEMPTY => "directory not empty",
        ELOOP => "too many levels of symbolic links",
        EROFS => "read-only file system",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };

    /// <summary>Writes straight to a file descriptor, best effort: no managed locks, safe from any thread.</summary>
    public static void WriteRaw(int fd, string text) => WriteAll(fd, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>write(2) until every byte is out, retrying after EINTR; 0, or the errno that stopped it.</summary>
    public static unsafe int WriteAll(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            nint done = 0;
            while (done < bytes.Length)
            {
                var n = Write(fd, p + done, bytes.Length - done);
                if (n < 0 && LastErrno == EINTR) continue;
                if (n <= 0) return n < 0 ? LastErrno : EIO;
                done += n;
            }
        }
        return 0;
    }
}
