using System.Globalization;
using System.Text;
using OcfAgents.DBus;
using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Agents.XcatDb;

/// <summary>
/// A database server the agent runs itself (no systemd, no wrapper script, no shell): spawned
/// through setpriv as the run-as user in its own session (<see cref="Daemon"/>), known by the
/// pid file it writes plus its identity — a live process with the engine's name whose working
/// directory is the data directory (both postgres and mariadbd chdir there) — stopped by the
/// engine's escalation (<see cref="StopSteps"/>) and verified gone: no pid file, nothing left
/// working in the data directory.
///
/// The server's identity (pid and start time) is also recorded in state_dir (tmpfs) at start:
/// if the data directory vanishes under a running server (the shared storage yanked), the pid
/// file cannot be read, yet stop must still find and stop that server — or another node would
/// start a second one on the same files.
/// </summary>
public abstract class DirectServer(XcatDbConfig config, Log log, string instance) : IDatabase
{
    protected XcatDbConfig Config => config;
    protected Log Log => log;
    protected string DataDir => config.DataDir!;

    protected abstract string EngineName { get; }
    protected abstract string PidFile { get; }
    protected abstract string[] ProcessNames { get; }
    protected abstract string ServerName { get; }
    /// <summary>A file or directory every data directory of this engine has.</summary>
    protected abstract string DataDirMarker { get; }
    protected abstract string? DefaultBinDir();
    protected abstract IReadOnlyList<string> ServerArgv(string binDir);
    /// <summary>The engine's own readiness: accepts a client (and, for PostgreSQL, says "ready").</summary>
    protected abstract OcfResult Ready(int pid, IReadOnlyList<string> pidFileLines, Deadline deadline);
    protected abstract OcfResult HealthQuery(Deadline deadline);
    /// <summary>(name, what to do to the server, share of the remaining stop time).</summary>
    protected abstract IReadOnlyList<(string Name, Action<int> Act, int Share)> StopSteps();
    /// <summary>Stale lock files besides the pid file, cleared before a start.</summary>
    protected virtual void RemoveStaleLocks() { }

    protected string? BinDir => config.BinDir ?? DefaultBinDir();

    // ---- state ---------------------------------------------------------------------------------

    protected readonly record struct PidFileState(int Pid, string[] Lines, bool Ours, string? Comm);

    protected PidFileState? ReadPidFile()
    {
        string[] lines;
        try { lines = File.ReadAllLines(PidFile); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        if (lines.Length < 1 || !int.TryParse(lines[0].Trim(), out var pid)) return new PidFileState(0, lines, false, null);
        return new PidFileState(pid, lines, IsOurServer(pid), Comm(pid));
    }

    private bool IsOurServer(int pid) =>
        ProcessIdentity.Of(pid) is not null
        && ProcessNames.Contains(Comm(pid))
        && PathText.Real($"/proc/{pid}/cwd") is { } cwd && cwd == (PathText.Real(DataDir) ?? DataDir);

    protected static string? Comm(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Live processes whose working directory is inside the data directory (the server and its helpers).</summary>
    protected List<int> Holders()
    {
        var data = PathText.Real(DataDir) ?? DataDir;
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            if (PathText.Real($"{dir}/cwd") is { } cwd && PathText.IsWithin(cwd, data) && ProcessIdentity.Of(pid) is not null) pids.Add(pid);
        }
        return pids;
    }

    protected static bool ProcessAlive(int pid) => ProcessIdentity.Of(pid) is not null;

    /// <summary>
    /// A server of this engine already working in the data directory but not (yet) in the pid
    /// file: one that an earlier start spawned just before it was killed. The topmost such process
    /// (its parent is not one of them) is the server itself; starting a second one would only fight
    /// it for the data files' locks.
    ///
    /// A pid file that names another pid rules that out: a starting server writes its own pid
    /// first (PostgreSQL before it forks anything). What works in the directory then are the
    /// leftovers of the server the file names — backends of a SIGKILLed postmaster, which
    /// outlive it for a moment and have no server parent either. Those are waited for, not joined.
    /// </summary>
    private int StartingServer(PidFileState? pidFile)
    {
        // setpriv: spawned in the data directory, about to exec the server itself.
        var holders = Holders().Where(h => Comm(h) == "setpriv"
            || (ProcessNames.Contains(Comm(h)) && (pidFile is not { Pid: > 0 } named || named.Pid == h))).ToList();
        return holders.FirstOrDefault(h => !holders.Contains(ProcessIdentity.ParentOf(h)));
    }

    private string IdentityFile => Path.Combine(config.StateDir, $"{instance}.server");

    /// <summary>The server this agent started, when it is still that same live process.</summary>
    private ProcessIdentity? Recorded() =>
        StateDirectory.ReadRecord(IdentityFile) is { } text && ProcessIdentity.Parse(text) is { IsAlive: true } id && ProcessNames.Contains(Comm(id.Pid)) ? id : null;

    private void Record(int pid)
    {
        if (ProcessIdentity.Of(pid) is not { } id) return;
        StateDirectory.WriteRecord(IdentityFile, id.ToString());
    }

    // ---- actions -------------------------------------------------------------------------------

    public OcfResult Monitor(int level, Deadline deadline)
    {
        if (!Directory.Exists(DataDir))
            return Recorded() is { } orphan
                ? OcfResult.Fail(OcfExit.Generic, $"data directory {DataDir} vanished under the running {ServerName} (pid {orphan.Pid}); stop will stop it")
                : OcfResult.NotRunning; // nothing of ours runs; start will say why it cannot (5)
        var pidFile = ReadPidFile();
        if (pidFile is not { Ours: true } state)
        {
            var holders = Holders();
            if (holders.Count > 0)
                return OcfResult.Fail(OcfExit.Generic, $"no running {ServerName} for {DataDir}, but processes {string.Join(", ", holders)} still work in it");
            if (pidFile is { Pid: > 0 } stale)
                log.Debug($"{PidFile} names pid {stale.Pid} ({stale.Comm ?? "gone"}), not this data directory's {ServerName}: stale");
            return OcfResult.NotRunning;
        }
        var ready = Ready(state.Pid, state.Lines, deadline);
        if (!ready.IsSuccess) return ready;
        return level >= 10 ? HealthQuery(deadline) : OcfResult.Success;
    }

    public OcfResult Preflight()
    {
        var server = BinDir is { } b ? Path.Combine(b, ServerName) : null;
        if (server is null || !File.Exists(server))
            return OcfResult.Fail(OcfExit.NotInstalled, server is null
                ? $"no {EngineName} server binaries found; install the server or set bindir"
                : $"{server} does not exist; install the {EngineName} server or fix bindir");
        if (!Directory.Exists(DataDir))
            return OcfResult.Fail(OcfExit.NotInstalled, $"data directory {DataDir} does not exist on this node (is the shared storage mounted?)");
        if (!Path.Exists(Path.Combine(DataDir, DataDirMarker)))
            return OcfResult.Fail(OcfExit.NotInstalled, $"{DataDir} has no {DataDirMarker}: not a {EngineName} data directory");
        if (config.SharedRoot is { } root)
        {
            var real = PathText.Real(DataDir) ?? DataDir;
            if (!PathText.IsWithin(real, PathText.Real(root) ?? root))
                return OcfResult.Fail(OcfExit.NotConfigured, $"data directory not on shared_root {root}: {DataDir} resolves to {real}; put it on the shared storage (start shareddata first)");
        }
        if (UserIds(config.RunAs, Deadline.After(TimeSpan.FromSeconds(5))) is null)
            return OcfResult.Fail(OcfExit.NotInstalled, $"run-as user '{config.RunAs}' does not exist on this node");
        return OcfResult.Success;
    }

    public OcfResult Start(Deadline deadline)
    {
        if (Preflight() is { IsSuccess: false } bad) return bad;
        // Before the server runs: a state_dir we cannot trust must not leave it running unrecorded.
        StateDirectory.Ensure(config.StateDir);
        var before = ReadPidFile();
        var pid = before is { Ours: true } running ? running.Pid : StartingServer(before);
        if (pid > 0 && before is not { Ours: true })
            log.Info($"{ServerName} (pid {pid}) is already starting in {DataDir} (an earlier start was interrupted); waiting for it");
        if (pid == 0)
        {
            if (before is { Pid: > 0 } other)
            {
                // A server SIGKILLed a moment ago: its main thread already reads Z (no cwd, so not
                // "ours") while its other threads still close its files and its port.
                deadline.WaitUntil(() => !ProcessIdentity.LeaderExited(other.Pid), TimeSpan.FromMilliseconds(20));
                // A server SIGKILLed a moment ago can also still be on its way out, not yet a
                // zombie: its working directory is already released (readlink fails) while its
                // name still reads postgres. That is the killed server, not one of another data
                // directory — wait for it to finish dying.
                deadline.WaitUntil(() => !(ProcessAlive(other.Pid) && AtomicFs.ReadLink($"/proc/{other.Pid}/cwd") is null), TimeSpan.FromMilliseconds(20));
                var alive = ProcessAlive(other.Pid);
                if (alive && ProcessNames.Contains(other.Comm))
                    return OcfResult.Fail(OcfExit.Generic, $"{PidFile} names pid {other.Pid}, a running {other.Comm} of another data directory; stop it, or remove the file after checking");
                // The server is gone (a zombie nobody reaped yet counts as gone; the server itself
                // would take it for alive) or the pid now belongs to some other program. Its
                // helpers leave on their own once they notice; then the file is stale.
                if (Holders() is { Count: > 0 } leftovers)
                    log.Info($"{PidFile} names pid {other.Pid}, which is gone; waiting for its processes {string.Join(", ", leftovers)} to leave {DataDir}");
                if (!deadline.WaitUntil(() => Holders().Count == 0, TimeSpan.FromMilliseconds(50)))
                    return OcfResult.Fail(OcfExit.Generic, $"processes {string.Join(", ", Holders())} still work in {DataDir} without a {ServerName}");
                AtomicFs.Unlink(PidFile);
                log.Info($"removed stale {PidFile} (pid {other.Pid} is {(alive ? $"{other.Comm ?? "another program"}, not a {ServerName}" : "gone")})");
                CrashPoint.Here("removed a stale pid file");
            }
            RemoveStaleLocks();
            if (PortTaken(config.Port))
                return OcfResult.Fail(OcfExit.Generic, $"port {config.Port} on 127.0.0.1 is in use by {PortOwner.Describe(config.Port) ?? "another program"}; free it or set port");
            if (config.SystemdUnit is { } unit) return StartUnit(unit, deadline);
            var (uid, gid) = UserIds(config.RunAs, deadline)!.Value;
            string[] argv = ["setpriv", $"--reuid={uid}", $"--regid={gid}", "--init-groups", "--", .. ServerArgv(BinDir!)];
            var env = new Dictionary<string, string> { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin", ["LANG"] = "C.UTF-8" };
            try { pid = Daemon.Spawn(argv, env, config.LogFile, DataDir); }
            catch (IOException e) { return OcfResult.Fail(OcfExit.Generic, $"cannot start {ServerName}: {ErrorText.Describe(e)}"); }
            log.Info($"started {ServerName} (pid {pid}) on {DataDir}, port {config.Port}; log {config.LogFile}");
            CrashPoint.Here($"spawned {ServerName}");
        }

        // The spawned process is the server itself (setpriv execs it), so its death ends the wait.
        var last = OcfResult.NotRunning;
        deadline.WaitUntil(() => (last = Monitor(0, deadline)).IsSuccess || !ProcessAlive(pid), TimeSpan.FromMilliseconds(100));
        if (last.IsSuccess)
        {
            Record(ReadPidFile() is { Ours: true } now ? now.Pid : pid);
            CrashPoint.Here("recorded the server's identity");
            return OcfResult.Success;
        }
        return OcfResult.Fail(OcfExit.Generic, ProcessAlive(pid)
            ? $"{EngineName} did not become ready within the start timeout ({last.Reason ?? "not running"}); last log line: {LastLogLine()}"
            : $"{ServerName} exited during start-up: {LastLogLine()}");
    }

    /// <summary>
    /// systemd mode: the unit runs the server (as its own packaging set it up, on this data
    /// directory); readiness, identity and the record are the same as when we run it. A failed
    /// unit ends the wait at once; at the deadline the unit is stopped so that systemd does not
    /// finish the start behind Pacemaker's back.
    /// </summary>
    private OcfResult StartUnit(string unit, Deadline deadline)
    {
        var last = OcfResult.NotRunning;
        var start = Systemd.StartAndWait(unit, deadline, wait => (last = Monitor(0, wait)).IsSuccess, log, $" for {DataDir}");
        if (start.NotQueued is { } error) return OcfResult.Fail(OcfExit.Generic, error);
        if (start.Ready && ReadPidFile() is { Ours: true } state)
        {
            Record(state.Pid);
            return OcfResult.Success;
        }
        Systemd.StopAfterStart(unit, deadline, log);
        return OcfResult.Fail(OcfExit.Generic, start.Failed
            ? $"systemd reports {unit} failed; see systemctl status {unit}; last log line: {LastLogLine()}"
            : $"{EngineName} did not become ready under {unit} within the start timeout ({last.Reason ?? "not running"}); stopped the unit");
    }

    public OcfResult Stop(Deadline deadline)
    {
        if (config.SystemdUnit is { } unit) Systemd.StopFirst(unit, deadline, log);
        var state = ReadPidFile();
        var serverPid = state is { Ours: true } s ? s.Pid : Recorded()?.Pid ?? 0;
        if (serverPid > 0)
        {
            foreach (var (name, act, share) in StopSteps())
            {
                if (!ProcessAlive(serverPid)) break;
                log.Info($"stopping {EngineName} (pid {serverPid}): {name}");
                act(serverPid);
                CrashPoint.Here($"sent {name}");
                var step = Deadline.After(deadline.Remaining / share);
                if (step.WaitUntil(() => !ProcessAlive(serverPid), TimeSpan.FromMilliseconds(100))) break;
            }
            if (ProcessAlive(serverPid)) Signal.Send(serverPid, Signal.SIGKILL);
        }
        // Whatever still works in the data directory goes too: another node will start a server on these files.
        if (!deadline.WaitUntil(() => Holders().Count == 0, TimeSpan.FromMilliseconds(100)) || (serverPid > 0 && ProcessAlive(serverPid)))
        {
            var left = Holders();
            foreach (var pid in left) Signal.Send(pid, Signal.SIGKILL);
            if (!Deadline.After(TimeSpan.FromSeconds(2)).WaitUntil(() => Holders().Count == 0))
                return OcfResult.Fail(OcfExit.Generic, $"processes {string.Join(", ", left)} still hold {DataDir} after SIGKILL");
        }
        if (File.Exists(PidFile) && ReadPidFile() is { Ours: false })
        {
            // A clean exit removes it; after an immediate stop or SIGKILL it is stale and ours to remove.
            AtomicFs.Unlink(PidFile);
            log.Info($"removed stale {PidFile}");
        }
        CrashPoint.Here("server gone");
        StateDirectory.ForgetRecord(IdentityFile);
        return OcfResult.Success;
    }

    // ---- helpers -------------------------------------------------------------------------------

    /// <summary>
    /// uid and primary gid of a user through NSS (`getent passwd`: name:x:uid:gid:…, so LDAP users
    /// count), looked up once per action; null when the user does not exist.
    /// </summary>
    protected (string Uid, string Gid)? UserIds(string user, Deadline deadline)
    {
        if (_ids is { } known) return known;
        try
        {
            var r = ProcessRunner.Run(new ProcessSpec(["getent", "passwd", "--", user]), deadline);
            var f = r.Stdout.Split('\n')[0].Split(':');
            return _ids = r.Succeeded && f.Length >= 4 && f[0] == user ? (f[2], f[3]) : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }

    private (string Uid, string Gid)? _ids;

    private static bool PortTaken(int port)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try { return socket.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromSeconds(1)); }
        catch (AggregateException) { return false; }
    }

    protected string LastLogLine()
    {
        try
        {
            var lines = File.ReadLines(Config.LogFile).TakeLast(20).Where(l => l.Trim().Length > 0).ToList();
            return lines.LastOrDefault(l => l.Contains("FATAL") || l.Contains("ERROR")) ?? lines.LastOrDefault() ?? "(empty log)";
        }
        catch (IOException) { return $"(no log at {Config.LogFile})"; }
    }

    /// <summary>
    /// Runs a database client with cfgloc's password in a 0600 file only it reads (PGPASSFILE,
    /// --defaults-extra-file): never in argv or the environment. The file lives in a fresh
    /// directory inside the verified state_dir, never in a shared one like /tmp (where whoever
    /// creates the directory first decides what root writes over), and is removed afterwards.
    /// </summary>
    protected ProcessResult WithSecretFile(byte[] content, Func<string, ProcessSpec> spec, Deadline deadline) =>
        StateDirectory.WithPrivateFile(config.StateDir, "credentials", content, file => ProcessRunner.Run(spec(file), deadline));

    protected static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    protected static byte[] Escape(byte[] value, params byte[] special)
    {
        var list = new List<byte>(value.Length + 4);
        foreach (var b in value)
        {
            if (special.Contains(b)) list.Add((byte)'\\');
            list.Add(b);
        }
        return list.ToArray();
    }

    protected static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);
    protected static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
