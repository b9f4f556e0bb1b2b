using System.Text;
using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.Sys;
using OcfAgents.Xcat;

namespace OcfAgents.Agents.Xcatd;

/// <summary>
/// xcatd as a process tree: a launcher (BINARY -p PIDFILE) that waits for the database, forks the
/// SSL listener and exits 0 once the listener is ready; the listener (the pid in the pid file,
/// title "xcatd: SSL listener") and its children ("xcatd: UDP listener", "install monitor",
/// "DB Access", one per client connection) in the listener's process group.
///
/// Identity is the title, not the pid: a pid file outlives its xcatd (TERM leaves it behind, a
/// reboot or crash too), so its number may belong to anything by the next start. The launcher's
/// and listener's (pid, start time) are also recorded in state_dir, so that a start killed
/// mid-way and re-run waits for the launcher it already spawned instead of spawning a second one,
/// and stop finds an xcatd whose pid file was removed.
/// </summary>
public sealed class XcatdDaemon(XcatdConfig config, Log log, string? instance)
{
    public const string ListenerTitle = "xcatd: SSL listener";

    private string Instance => instance ?? "xcatd";
    private string LauncherFile => Path.Combine(config.StateDir, $"{Instance}.launcher");
    private string ListenerFile => Path.Combine(config.StateDir, $"{Instance}.listener");
    private string GroupFile => Path.Combine(config.StateDir, $"{Instance}.group");

    // ---- identity ------------------------------------------------------------------------------

    private static string[] CommandLine(int pid) => new ProcessIdentity(pid, 0).CommandLine() ?? [];

    /// <summary>Perl's $0 = "xcatd: SSL listener" becomes argv[0] (padded with spaces or NULs).</summary>
    public static bool IsListener(int pid) => ListenerIdentity(pid) is not null;

    private static ProcessIdentity? ListenerIdentity(int pid) =>
        ProcessIdentity.Of(pid) is { } id && CommandLine(pid) is [var title, ..] && title.TrimEnd() == ListenerTitle ? id : null;

    /// <summary>Any process of xcatd: a titled one ("xcatd: …"), or the launcher running our binary.</summary>
    private bool IsXcatdProcess(int pid) =>
        CommandLine(pid) is { Length: > 0 } argv && (argv[0].StartsWith("xcatd:", StringComparison.Ordinal) || argv.Contains(config.Binary));

    /// <summary>The listener the pid file names, when it is one.</summary>
    public ProcessIdentity? PidFileListener() =>
        ReadPidFile() is { } pid ? ListenerIdentity(pid) : null;

    private int? ReadPidFile()
    {
        try { return int.TryParse(File.ReadAllText(config.PidFile).Trim(), out var pid) && pid > 0 ? pid : 0; }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    private static ProcessIdentity? Recorded(string file)
    {
        try { return ProcessIdentity.Parse(File.ReadAllText(file)) is { IsAlive: true } id ? id : null; }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// The launcher a start spawned and did not see through: the one recorded, or — when the start
    /// was killed between spawning it and recording it — an untitled xcatd running with this
    /// resource's own pid file (`binary -p pidfile`), which nothing else may use.
    /// </summary>
    private ProcessIdentity? InterruptedLauncher() =>
        Recorded(LauncherFile) ?? Launchers().Where(p => CommandLine(p) is var argv && argv.Length >= 3 && argv[^2] == "-p" && argv[^1] == config.PidFile)
            .Select(ProcessIdentity.Of).FirstOrDefault(id => id is not null);

    private void Record(string file, int pid)
    {
        if (ProcessIdentity.Of(pid) is not { } id) return;
        StateDirectory.Ensure(config.StateDir);
        AtomicFs.WriteFileAtomic(file, Encoding.UTF8.GetBytes(id + "\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>
    /// xcatd processes left in the process group of the listener this agent started, once that
    /// listener is gone (SIGKILLed alone, its children keep the UDP and install-monitor ports).
    /// </summary>
    private (int Group, List<int> Pids) Leftovers()
    {
        int group;
        try { group = int.TryParse(File.ReadAllText(GroupFile).Trim(), out var g) ? g : 0; }
        catch (IOException) { return (0, []); }
        return (group, Members(group).Where(IsXcatdProcess).ToList());
    }

    private static void Forget(string file)
    {
        if (File.Exists(file)) AtomicFs.Unlink(file);
    }

    // ---- monitor -------------------------------------------------------------------------------

    public OcfResult Monitor(int level, Deadline deadline)
    {
        if (PidFileListener() is not { } listener)
        {
            if (Recorded(ListenerFile) is { } orphan && IsListener(orphan.Pid))
                return OcfResult.Fail(OcfExit.Generic, $"xcatd's SSL listener (pid {orphan.Pid}) runs but {config.PidFile} does not name it; stop will stop it");
            if (InterruptedLauncher() is { } launcher)
                return OcfResult.Fail(OcfExit.Generic, $"xcatd's launcher (pid {launcher.Pid}) from an interrupted start is still waiting to start the listener");
            if (Leftovers() is { Pids.Count: > 0 } left)
                return OcfResult.Fail(OcfExit.Generic, $"xcatd's SSL listener is gone but its processes remain: {Titles(left.Pids)}; stop will kill them");
            return OcfResult.NotRunning;
        }
        // The listening socket held by the listener itself: no connection is made, so xcatd forks
        // no child and logs nothing for a check that runs every few seconds.
        if (PortOwner.Listeners(config.Port, among: [listener.Pid]).Count == 0)
            return OcfResult.Fail(OcfExit.Generic, $"xcatd's SSL listener (pid {listener.Pid}) does not listen on port {config.Port}" +
                (PortOwner.Describe(config.Port) is { } other ? $"; {other} does" : ""));
        return level >= 10 ? DeepCheck(deadline) : OcfResult.Success;
    }

    /// <summary>lsxcatd -v as an xCAT client; with the database down xcatd refuses every request.</summary>
    private OcfResult DeepCheck(Deadline deadline)
    {
        IReadOnlyList<XcatResponse> responses;
        try { responses = XcatdClient.Request(config.Target, "lsxcatd", ["-v"], deadline); }
        catch (XcatdException e) { return OcfResult.Fail(OcfExit.Generic, $"xcatd does not answer lsxcatd: {ErrorText.Describe(e)}"); }
        var errors = responses.SelectMany(r => r.Values("error")).ToList();
        if (errors.Any(e => e.Contains("Permission denied for request", StringComparison.Ordinal)))
            return OcfResult.Fail(OcfExit.Generic, "xcatd runs but its database does not: lsxcatd got 'Permission denied for request'; check xcatdb");
        if (errors.Count > 0)
            return OcfResult.Fail(OcfExit.Generic, $"xcatd answered lsxcatd with an error: {string.Join("; ", errors)}");
        log.Debug($"lsxcatd -v: {string.Join("; ", responses.SelectMany(r => r.Values("data")))}");
        return OcfResult.Success;
    }

    // ---- validate ------------------------------------------------------------------------------

    public OcfResult Preflight()
    {
        if (!File.Exists(config.Binary))
            return OcfResult.Fail(OcfExit.NotInstalled, $"{config.Binary} does not exist; install xCAT (xCAT-server) or fix binary");
        if (!AtomicFs.IsExecutable(config.Binary))
            return OcfResult.Fail(OcfExit.NotInstalled, $"{config.Binary} is not executable");
        if (AtomicFs.ReadLink(config.ConfigDir) is { } target && !Directory.Exists(config.ConfigDir))
            return OcfResult.Fail(OcfExit.NotInstalled, $"{config.ConfigDir} is a dangling symlink (to {target}): xcatd would exit 2 at once; activate the shared data first (shareddata)");
        if (!Directory.Exists(config.ConfigDir))
            return OcfResult.Fail(OcfExit.NotInstalled, $"{config.ConfigDir} does not exist: xcatd would exit 2 at once; set config_dir or activate the shared data");
        foreach (var (what, path) in new[] { ("client_cert", config.Target.CertFile), ("client_key", config.Target.KeyFile), ("ca_file", config.Target.CaFile) })
        {
            if (!File.Exists(path)) return OcfResult.Fail(OcfExit.NotInstalled, $"{what} {path} does not exist (xCAT's credentials; is /root/.xcat shared and active?)");
            if (AtomicFs.ReadableError(path) is { } why) return OcfResult.Fail(OcfExit.NotInstalled, $"{what} {path} is unreadable: {why}");
        }
        return OcfResult.Success;
    }

    // ---- start ---------------------------------------------------------------------------------

    public OcfResult Start(Deadline deadline)
    {
        if (Preflight() is { IsSuccess: false } bad) return bad;
        var launcher = InterruptedLauncher()?.Pid ?? 0;
        var ourChild = false;
        if (launcher > 0)
            log.Info($"xcatd's launcher (pid {launcher}) from an interrupted start is still running; waiting for it");
        else
        {
            if (Recorded(ListenerFile) is { } orphan && IsListener(orphan.Pid))
                return OcfResult.Fail(OcfExit.Generic, $"xcatd's SSL listener (pid {orphan.Pid}) runs but {config.PidFile} does not name it; stop the resource first");
            if (Leftovers() is { Pids.Count: > 0 } left)
            {
                log.Info($"killing what is left of the xcatd this resource started: {Titles(left.Pids)}");
                KillAll(0, deadline, left.Group);
            }
            if (ReadPidFile() is { } stale)
            {
                // xcatd leaves its pid file behind on TERM and on a crash: it is stale once it does
                // not name a live SSL listener, whatever process now has that number.
                AtomicFs.Unlink(config.PidFile);
                log.Info($"removed stale {config.PidFile} (pid {stale} is {(ProcessIdentity.Of(stale) is null ? "gone" : $"'{string.Join(' ', CommandLine(stale))}', not xcatd's SSL listener")})");
                CrashPoint.Here("removed a stale pid file");
            }
            foreach (var (port, what) in new[] { (config.Port, "client port"), (config.InstallPort, "install monitor port") })
                if (PortOwner.IsListening(port))
                    return OcfResult.Fail(OcfExit.Generic, $"port {port} (xcatd's {what}) is in use by {PortOwner.Describe(port) ?? "another program"}; stop it first");
            if (config.SystemdUnit is { } unit)
            {
                // systemd runs the launcher; the readiness wait is the same.
                var r = Systemctl.StartNoBlock(unit, deadline);
                if (!r.Succeeded) return OcfResult.Fail(OcfExit.Generic, $"systemctl start {unit} failed: {Systemctl.LastLine(r)}");
                log.Info($"asked systemd to start {unit}");
                CrashPoint.Here("asked systemd to start the unit");
                return AwaitUnit(unit, deadline);
            }
            var env = new Dictionary<string, string>
            {
                ["PATH"] = $"{config.XcatRoot}/sbin:{config.XcatRoot}/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                ["XCATROOT"] = config.XcatRoot,
                ["LANG"] = "C.UTF-8",
            };
            try { launcher = Daemon.Spawn([config.Binary, "-p", config.PidFile], env, config.LogFile); }
            catch (IOException e) { return OcfResult.Fail(OcfExit.Generic, $"cannot start xcatd: {ErrorText.Describe(e)}"); }
            ourChild = true;
            CrashPoint.Here("spawned the launcher, not yet recorded");
            Record(LauncherFile, launcher);
            log.Info($"started xcatd's launcher (pid {launcher}): {config.Binary} -p {config.PidFile}; console log {config.LogFile}");
            CrashPoint.Here("spawned the launcher");
        }

        // Keep a slice of the deadline to clean up after a launcher that never got the database.
        var cleanup = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, deadline.Budget.Ticks / 5));
        var wait = Deadline.After(deadline.Remaining - cleanup);
        int? exit = null;
        var ready = OcfResult.NotRunning;
        wait.WaitUntil(() =>
        {
            exit ??= ourChild ? Daemon.TryReap(launcher) : ProcessIdentity.Of(launcher) is null ? 0 : null;
            return exit is { } code && (code != 0 || (ready = Monitor(0, wait)).IsSuccess);
        }, TimeSpan.FromMilliseconds(50));

        if (ready.IsSuccess && PidFileListener() is { } listener) return Started(listener);
        if (exit is { } status && status != 0)
        {
            KillAll(launcher, Deadline.After(deadline.Remaining));
            Forget(LauncherFile);
            return OcfResult.Fail(OcfExit.Generic, $"xcatd exited with {Daemon.DescribeExit(status)} during start-up" +
                (Daemon.ExitCode(status) == 2 ? $" (xcatd exits 2 at once when {config.ConfigDir} is unusable)" : "") + $": {LastLogLine()}");
        }
        var waiting = exit is null;
        KillAll(launcher, Deadline.After(deadline.Remaining));
        Forget(LauncherFile);
        return waiting
            ? OcfResult.Fail(OcfExit.Generic, $"xcatd waiting for its database: its launcher (pid {launcher}) had not started the listener at the start timeout " +
                $"(xcatd retries for ~27 minutes while the database is down); killed it and all it started; start xcatdb first. Last log line: {LastLogLine()}")
            : OcfResult.Fail(OcfExit.Generic, $"xcatd started but its listener did not hold port {config.Port} within the start timeout ({ready.Reason ?? "no listener in " + config.PidFile}); killed it; last log line: {LastLogLine()}");
    }

    private OcfResult Started(ProcessIdentity listener)
    {
        Record(ListenerFile, listener.Pid);
        AtomicFs.WriteFileAtomic(GroupFile, Encoding.UTF8.GetBytes($"{ProcessIdentity.GroupOf(listener.Pid)}\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        CrashPoint.Here("recorded the listener");
        Forget(LauncherFile);
        log.Info($"xcatd's SSL listener (pid {listener.Pid}) holds port {config.Port}");
        return OcfResult.Success;
    }

    /// <summary>
    /// systemd mode: the unit's launcher is ours to wait for, not to spawn. The unit failing
    /// (xcatd's exit 2, a bad ExecStart) ends the wait at once; at the deadline the unit is
    /// stopped, so that systemd does not finish the start behind Pacemaker's back.
    /// </summary>
    private OcfResult AwaitUnit(string unit, Deadline deadline)
    {
        var cleanup = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, deadline.Budget.Ticks / 4));
        var wait = Deadline.After(deadline.Remaining - cleanup);
        var ready = OcfResult.NotRunning;
        var failed = false;
        wait.WaitUntil(() => (ready = Monitor(0, wait)).IsSuccess || (failed = Systemctl.IsFailed(unit, wait)),
            TimeSpan.FromMilliseconds(200));
        if (ready.IsSuccess && PidFileListener() is { } listener) return Started(listener);
        var waiting = !failed && Launchers().Count > 0;
        var stop = Systemctl.Stop(unit, Deadline.After(deadline.Remaining));
        if (!stop.Succeeded) log.Warn($"systemctl stop {unit}: {Systemctl.LastLine(stop)}");
        foreach (var pid in Launchers()) KillAll(pid, Deadline.After(deadline.Remaining));
        if (failed) return OcfResult.Fail(OcfExit.Generic, $"systemd reports {unit} failed; see systemctl status {unit} and journalctl -u {unit}");
        return waiting
            ? OcfResult.Fail(OcfExit.Generic, $"xcatd waiting for its database: {unit} had not started the listener at the start timeout " +
                "(xcatd retries for ~27 minutes while the database is down); stopped the unit; start xcatdb first")
            : OcfResult.Fail(OcfExit.Generic, $"{unit} did not start xcatd's listener on port {config.Port} within the start timeout ({ready.Reason ?? "no listener in " + config.PidFile}); stopped the unit");
    }

    /// <summary>xcatd processes that are not yet titled: launchers (their argv holds the binary).</summary>
    private List<int> Launchers() =>
        Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var p) ? p : 0)
            .Where(p => p > 0 && ProcessIdentity.Of(p) is not null && CommandLine(p) is { Length: > 0 } argv
                && !argv[0].StartsWith("xcatd:", StringComparison.Ordinal) && argv.Contains(config.Binary))
            .ToList();

    // ---- stop ----------------------------------------------------------------------------------

    public OcfResult Stop(Deadline deadline)
    {
        var listener = PidFileListener() ?? (Recorded(ListenerFile) is { } r && IsListener(r.Pid) ? r : null);
        var launcher = InterruptedLauncher();
        if (config.SystemdUnit is { } unit)
        {
            // systemd stops the unit (TERM, then KILL of its cgroup after TimeoutStopSec); whatever
            // of xcatd survives the half of the stop timeout it gets meets the escalation below.
            var stopped = Systemctl.Stop(unit, Deadline.After(deadline.Remaining / 2));
            if (!stopped.Succeeded) log.Warn($"systemctl stop {unit}: {Systemctl.LastLine(stopped)}");
            else log.Info($"systemd stopped {unit}");
            CrashPoint.Here("asked systemd to stop the unit");
            listener = listener is { IsAlive: true } ? listener : null;
        }
        if (listener is { } l)
        {
            log.Info($"stopping xcatd: SIGTERM to its SSL listener (pid {l.Pid})");
            Signal.Send(l.Pid, Signal.SIGTERM);
            CrashPoint.Here("sent SIGTERM");
            // xcatd stops everything in ~2 s on TERM; KILL comes at half of what is left.
            var gentle = Deadline.After(deadline.Remaining / 2);
            var group = ProcessIdentity.GroupOf(l.Pid);
            if (!gentle.WaitUntil(() => !l.IsAlive && Members(group).Count == 0, TimeSpan.FromMilliseconds(50)))
                log.Warn($"xcatd did not stop on SIGTERM within {gentle.Budget.TotalSeconds:0.#} s; SIGKILL to its process group");
            KillAll(l.Pid, deadline, group);
        }
        if (launcher is { } s) KillAll(s.Pid, deadline);
        if (Leftovers() is { Pids.Count: > 0 } left)
        {
            log.Info($"killing what is left of xcatd: {Titles(left.Pids)}");
            KillAll(0, deadline, left.Group);
        }
        CrashPoint.Here("xcatd gone");

        if (ReadPidFile() is { } stale && !IsListener(stale))
        {
            AtomicFs.Unlink(config.PidFile);
            log.Info($"removed stale {config.PidFile}");
        }
        foreach (var port in new[] { config.Port, config.InstallPort })
        {
            var holders = PortOwner.Listeners(port);
            if (holders.FirstOrDefault(IsXcatdProcess) is var other and > 0)
                return OcfResult.Fail(OcfExit.Generic, $"port {port} is still held by xcatd pid {other} ('{string.Join(' ', CommandLine(other))}'), which {config.PidFile} does not name; stop it by hand");
            if (holders.Count > 0) log.Warn($"port {port} is held by {PortOwner.Describe(port)}, not xcatd; the next start will refuse it");
        }
        Forget(ListenerFile);
        Forget(GroupFile);
        Forget(LauncherFile);
        Forget(PostStartCommands.MarkerFile(config, Instance));
        return OcfResult.Success;
    }

    /// <summary>
    /// SIGKILL to the process group of <paramref name="pid"/> and to the groups of its descendants,
    /// each as a group when every member is xcatd's (never a group shared with anything else),
    /// otherwise to xcatd's members one by one; then waits until none is left. The descendants
    /// matter for a launcher: its listener leaves the launcher's group (setsid) and forks its
    /// children before it writes the pid file, so a start killed in that window leaves a listener
    /// that only the parent tree names.
    /// </summary>
    private void KillAll(int pid, Deadline deadline, int? knownGroup = null)
    {
        var groups = (pid > 0 ? FreezeTree(pid) : []).Select(ProcessIdentity.GroupOf)
            .Prepend(knownGroup ?? ProcessIdentity.GroupOf(pid)).Where(g => g > 1).Distinct().ToList();
        var members = groups.SelectMany(Members).Distinct().ToList();
        if (ProcessIdentity.Of(pid) is not null && !members.Contains(pid)) members.Add(pid);
        if (members.Count == 0) return;
        foreach (var group in groups)
        {
            var inGroup = Members(group);
            if (inGroup.All(IsXcatdProcess)) Signal.SendGroup(group, Signal.SIGKILL);
            else foreach (var m in inGroup.Where(IsXcatdProcess)) Signal.Send(m, Signal.SIGKILL);
        }
        if (IsXcatdProcess(pid) || groups.Count == 0) Signal.Send(pid, Signal.SIGKILL);
        if (!deadline.WaitUntil(() => members.All(m => ProcessIdentity.Of(m) is null), TimeSpan.FromMilliseconds(20)))
            log.Warn($"xcatd processes {string.Join(", ", members.Where(m => ProcessIdentity.Of(m) is not null))} survive SIGKILL");
        Daemon.TryReap(pid);
    }

    /// <summary>
    /// SIGSTOP to <paramref name="pid"/> and everything below it, rescanning until no new process
    /// appears: a stopped process cannot fork or leave its group (setsid), and a stopped parent
    /// keeps its children from being reparented, so the tree found is the whole tree when SIGKILL
    /// comes. Returns the descendants (SIGKILL ends them stopped or not).
    /// </summary>
    private static List<int> FreezeTree(int pid)
    {
        Signal.Send(pid, Signal.SIGSTOP);
        var seen = new HashSet<int>();
        for (var round = 0; round < 50; round++)
        {
            var fresh = ProcessIdentity.Descendants(pid).Where(seen.Add).ToList();
            if (fresh.Count == 0) break;
            foreach (var p in fresh) Signal.Send(p, Signal.SIGSTOP);
        }
        return [.. seen];
    }

    private static string Titles(IEnumerable<int> pids) =>
        string.Join(", ", pids.Select(p => $"{p} '{(CommandLine(p) is [var t, ..] ? t.TrimEnd() : "?")}'"));

    private static List<int> Members(int group) => group > 1 ? ProcessIdentity.GroupMembers(group) : [];

    private string LastLogLine()
    {
        try { return File.ReadLines(config.LogFile).Where(l => l.Trim().Length > 0).TakeLast(1).FirstOrDefault() ?? "(empty log)"; }
        catch (IOException) { return $"(no log at {config.LogFile})"; }
    }
}
