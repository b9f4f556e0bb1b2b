using System.Text;

namespace OcfAgents.Sys;

/// <summary>A directory an agent was about to trust is not one only it can write; the message names it and the fix.</summary>
public sealed class UnsafeDirectoryException(string message) : IOException(message);

/// <summary>
/// Where an agent running as root writes its files: only into a directory that is its own.
///
/// A root process that writes into a directory someone else can create or write first can be
/// made to overwrite any file (a symlink planted under the name it will use) or to hand over
/// what it writes (a password). So before anything is written:
///
/// | check on the state directory (lstat, never followed) | refused with                       |
/// |-------------------------------------------------------|-----------------------------------|
/// | a symlink, or not a directory                         | "… is a symlink / not a directory" |
/// | owned by another user than the agent's                | "… is owned by uid N"              |
/// | group or others may write (or read: state is private) | "… has mode 0NNN"                  |
///
/// Files that hold a secret go one level further down, into a fresh mkdtemp(3) directory inside
/// it, and are created O_CREAT|O_EXCL (which never follows a symlink): nobody else can name them.
/// </summary>
public static class StateDirectory
{
    private const uint Private = 0b111_000_000;

    /// <summary>
    /// Creates <paramref name="path"/> 0700 when absent (its parents 0755, as mkdir -p would),
    /// then verifies it as the table says; returns the path.
    /// </summary>
    public static string Ensure(string path)
    {
        if (AtomicFs.Kind(path) == PathKind.Absent)
        {
            var parent = Path.GetDirectoryName(path);
            if (parent is not null && AtomicFs.Kind(parent) == PathKind.Absent) Directory.CreateDirectory(parent);
            if (Native.Mkdir(path, Private) != 0 && Native.LastErrno != Native.EEXIST)
                throw new SysError("mkdir", path, Native.LastErrno);
        }
        Verify(path);
        return path;
    }

    /// <summary>
    /// Records <paramref name="text"/> (a final newline added when it has none) in
    /// <paramref name="path"/>, a file directly in a state directory, which is ensured and verified
    /// first: written to a temporary file, fsynced and renamed over the old record (0600), so that a
    /// SIGKILL at any point leaves the old record or the new one, never a part.
    /// </summary>
    public static void WriteRecord(string path, string text)
    {
        Ensure(Path.GetDirectoryName(path)!);
        AtomicFs.WriteFileAtomic(path, Encoding.UTF8.GetBytes(text.EndsWith('\n') ? text : text + "\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>A record's text without its surrounding white space; null when there is none (never written, forgotten, empty).</summary>
    public static string? ReadRecord(string path)
    {
        try { return File.ReadAllText(path).Trim() is { Length: > 0 } text ? text : null; }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (IOException) { return null; }
    }

    /// <summary>Removes a record; one never written is already forgotten.</summary>
    public static void ForgetRecord(string path)
    {
        if (File.Exists(path)) AtomicFs.Unlink(path);
    }

    /// <summary>Throws <see cref="UnsafeDirectoryException"/> unless <paramref name="path"/> is a directory of ours, mode 0700 or stricter.</summary>
    public static unsafe void Verify(string path)
    {
        var buf = stackalloc byte[Native.StatSize + 112];
        if (Native.LStat(path, buf) != 0) throw new SysError("lstat", path, Native.LastErrno);
        var mode = *(uint*)(buf + Native.StatModeOffset);
        var uid = *(uint*)(buf + Native.StatUidOffset);
        var fix = $"remove it (the agent recreates it 0700) or make it a directory owned by uid {Native.GetEuid()} with mode 0700";
        if ((mode & Native.S_IFMT) == Native.S_IFLNK) throw new UnsafeDirectoryException($"state directory {path} is a symlink: {fix}");
        if ((mode & Native.S_IFMT) != Native.S_IFDIR) throw new UnsafeDirectoryException($"state directory {path} is not a directory: {fix}");
        if (uid != Native.GetEuid()) throw new UnsafeDirectoryException($"state directory {path} is owned by uid {uid}, not {Native.GetEuid()}: {fix}");
        if ((mode & 0b000_111_111) != 0)
            throw new UnsafeDirectoryException($"state directory {path} has mode 0{Convert.ToString(mode & 0xFFF, 8)}: others may read or write it; {fix}");
    }

    /// <summary>
    /// Runs <paramref name="use"/> with the path of a file holding <paramref name="content"/>:
    /// 0600, created O_EXCL in a fresh mkdtemp directory inside the verified
    /// <paramref name="stateDir"/>. File and directory are removed afterwards, the content cleared.
    /// </summary>
    public static T WithPrivateFile<T>(string stateDir, string name, byte[] content, Func<string, T> use)
    {
        var dir = MakeTemp(Ensure(stateDir), name);
        var file = Path.Combine(dir, name);
        try
        {
            using (var f = new FileStream(file, new FileStreamOptions
                   { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
                f.Write(content);
            return use(file);
        }
        finally
        {
            Array.Clear(content);
            Native.Unlink(file);
            Native.Rmdir(dir);
        }
    }

    private static unsafe string MakeTemp(string parent, string prefix)
    {
        var template = Encoding.UTF8.GetBytes(Path.Combine(parent, $".{prefix}.XXXXXX") + "\0");
        fixed (byte* p = template)
        {
            if (Native.MkdTemp(p) is null) throw new SysError("mkdtemp", parent, Native.LastErrno);
        }
        return Encoding.UTF8.GetString(template, 0, template.Length - 1);
    }
}
