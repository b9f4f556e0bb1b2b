using System.Runtime.InteropServices;

namespace OcfAgents.Sys;

/// <summary>
/// Starts a long-running server the way an init system would, without a shell: posix_spawn(3)
/// into a new session (so Pacemaker's SIGKILL of the agent's process group at a timeout cannot
/// reach it), stdin from /dev/null and stdout+stderr appended to a log file (so it never holds
/// the pipes Pacemaker reads the agent's output from), SIGPIPE back to its default disposition
/// (.NET ignores it, and exec would pass that on), and an explicit environment.
///
/// | step                    | why                                                           |
/// |-------------------------|---------------------------------------------------------------|
/// | POSIX_SPAWN_SETSID      | survives the agent's process group being killed               |
/// | fd 0 ← /dev/null        | never reads the agent's stdin                                 |
/// | fd 1, 2 → log (append)  | output kept for the admin, no pipe to block on or break       |
/// | SETSIGDEF {PIPE}, SETSIGMASK ∅ | the server starts with the signal state a shell would give it |
/// The server is not waited for: it is reparented to init when the agent exits.
/// </summary>
public static unsafe partial class Daemon
{
    private const short POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;
    private const int O_WRONLY = 0x1, O_CREAT = 0x40, O_APPEND = 0x400, O_TRUNC = 0x200, SIGPIPE = 13;
    // glibc x86-64: posix_spawnattr_t is 336 bytes, posix_spawn_file_actions_t 80, sigset_t 128.
    private const int OpaqueSize = 1024;

    /// <summary>Returns the pid of the started process (argv[0] is looked up in PATH).</summary>
    public static int Spawn(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, string logFile, string workingDirectory = "/") =>
        SpawnCore(argv, environment, POSIX_SPAWN_SETSID, logFile, null, O_WRONLY | O_CREAT | O_APPEND, workingDirectory);

    /// <summary>
    /// Starts a child the way Pacemaker's executor starts an agent: leader of its own process
    /// group (so a timeout can SIGKILL the group and reach what the child forked but did not
    /// detach), stdout and stderr into two fresh files, the same signal state as <see cref="Spawn"/>.
    /// The caller reaps it (<see cref="Wait"/>).
    /// </summary>
    public static int SpawnGroupLeader(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, string stdoutFile, string stderrFile, string workingDirectory = "/") =>
        SpawnCore(argv, environment, POSIX_SPAWN_SETPGROUP, stdoutFile, stderrFile, O_WRONLY | O_CREAT | O_TRUNC, workingDirectory);

    /// <summary>Blocking waitpid(2) for a child of this process; its wait status.</summary>
    public static int Wait(int pid)
    {
        int rc, status;
        do rc = Native.WaitPid(pid, out status, 0);
        while (rc < 0 && Native.LastErrno == Native.EINTR);
        return rc == pid ? status : throw new IOException($"waitpid({pid}): {Native.ErrnoText(Native.LastErrno)}");
    }

    private static int SpawnCore(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, short groupFlag,
        string stdoutFile, string? stderrFile, int openFlags, string workingDirectory)
    {
        var actions = NativeMemory.AllocZeroed(OpaqueSize);
        var attr = NativeMemory.AllocZeroed(OpaqueSize);
        var sigs = NativeMemory.AllocZeroed(OpaqueSize);
        var strings = new List<nint>();
        try
        {
            Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Check(posix_spawn_file_actions_addopen(actions, 0, "/dev/null", Native.O_RDONLY, 0), "addopen stdin");
            Check(posix_spawn_file_actions_addopen(actions, 1, stdoutFile, openFlags, 0x180 /* 0600 */), "addopen stdout");
            Check(stderrFile is null
                ? posix_spawn_file_actions_adddup2(actions, 1, 2)
                : posix_spawn_file_actions_addopen(actions, 2, stderrFile, openFlags, 0x180), "stderr");
            Check(posix_spawn_file_actions_addchdir_np(actions, workingDirectory), "addchdir");
            Check(posix_spawnattr_init(attr), "posix_spawnattr_init");
            Check(posix_spawnattr_setflags(attr, (short)(groupFlag | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)), "setflags");
            if (groupFlag == POSIX_SPAWN_SETPGROUP) Check(posix_spawnattr_setpgroup(attr, 0), "setpgroup");
            sigemptyset(sigs);
            Check(posix_spawnattr_setsigmask(attr, sigs), "setsigmask");
            sigaddset(sigs, SIGPIPE);
            Check(posix_spawnattr_setsigdefault(attr, sigs), "setsigdefault");

            var args = CStrings(argv, strings);
            var env = CStrings(environment.Select(kv => $"{kv.Key}={kv.Value}").ToList(), strings);
            int pid;
            var rc = posix_spawnp(&pid, argv[0], actions, attr, args, env);
            if (rc != 0) throw new IOException($"cannot start {argv[0]}: {Native.ErrnoText(rc)}");
            Logging.ActionTrace.Write($"spawn pid {pid}: {ProcessRunner.Quoted(argv)} (stdout {stdoutFile})");
            return pid;
        }
        finally
        {
            posix_spawn_file_actions_destroy(actions);
            posix_spawnattr_destroy(attr);
            foreach (var s in strings) Marshal.FreeCoTaskMem(s);
            NativeMemory.Free(actions);
            NativeMemory.Free(attr);
            NativeMemory.Free(sigs);
        }
    }

    /// <summary>
    /// waitpid(pid, WNOHANG) for a process this agent spawned: its wait status once it has exited
    /// (and is reaped), null while it runs or when it is not our child.
    /// </summary>
    public static int? TryReap(int pid) => pid > 0 && Native.WaitPid(pid, out var status, Native.WNOHANG) == pid ? status : null;

    /// <summary>A wait status in words: "status N" (exit code, bits 8-15, when bits 0-6 are 0) or "signal N".</summary>
    public static string DescribeExit(int status) =>
        (status & 0x7f) == 0 ? $"status {(status >> 8) & 0xff}" : $"signal {status & 0x7f}";

    /// <summary>The exit code in a wait status, or -1 when the process was killed by a signal.</summary>
    public static int ExitCode(int status) => (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1;

    private static nint* CStrings(IReadOnlyList<string> values, List<nint> owned)
    {
        var array = Marshal.AllocCoTaskMem((values.Count + 1) * sizeof(nint));
        owned.Add(array);
        var p = (nint*)array;
        for (var i = 0; i < values.Count; i++)
        {
            p[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
            owned.Add(p[i]);
        }
        p[values.Count] = 0;
        return p;
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0) throw new IOException($"{what}: {Native.ErrnoText(rc)}");
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int posix_spawnp(int* pid, string file, void* fileActions, void* attr, nint* argv, nint* envp);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_init(void* fa);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_destroy(void* fa);
    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int posix_spawn_file_actions_addopen(void* fa, int fd, string path, int oflag, uint mode);
    [LibraryImport("libc")] private static partial int posix_spawn_file_actions_adddup2(void* fa, int fd, int newfd);
    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int posix_spawn_file_actions_addchdir_np(void* fa, string path);
    [LibraryImport("libc")] private static partial int posix_spawnattr_init(void* attr);
    [LibraryImport("libc")] private static partial int posix_spawnattr_destroy(void* attr);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setflags(void* attr, short flags);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setpgroup(void* attr, int pgroup);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setsigmask(void* attr, void* set);
    [LibraryImport("libc")] private static partial int posix_spawnattr_setsigdefault(void* attr, void* set);
    [LibraryImport("libc")] private static partial int sigemptyset(void* set);
    [LibraryImport("libc")] private static partial int sigaddset(void* set, int sig);
}
