using System.Text;
using OcfAgents.DBus;
using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.Sys;
using OcfAgents.Xcat;

namespace OcfAgents.Agents.Xcatd;

/// <summary>
/// xcatd as processes, as the real xcatd 2.19 runs them: a launcher (BINARY -p PIDFILE, in a
/// session of its own) that waits for the database, loads the plugins ("xcatd: plugin
/// initialization", in the launcher's group, which may outlive the launcher briefly), forks the
/// SSL listener and exits 0 once the listener is ready; the listener (the pid in the pid file,
/// title "xcatd: SSL listener") calls setsid, and everything it starts stays in its session: its
/// helpers ("xcatd: UDP listener", "install monitor", "DB Access", "Command log writer"), one
/// "xcatd SSL: …" process per client request, and the request's plugin, which calls setpgrp —
/// its own process group, still the listener's session — with whatever the plugin runs (rinstall's,
/// copycds' or updatenode's commands, which carry no xcatd title at all).
///
/// So what this resource owns is two sessions — the launcher's and the listener's — recorded in
/// state_dir at start; a stop ends everything in them:
///
/// | step | what                                                       | why                          |
/// |------|------------------------------------------------------------|------------------------------|
/// | 1    | SIGTERM to the listener; with a request in flight (or still running after 2 s) to its process group | the listener's own shutdown is fastest, but it waits for requests without limit |
/// | 2    | wait (half of what is left) for both sessions to empty     | a request in flight ends in ~2 s |
/// | 3    | SIGSTOP everything in them, rescanning until nothing new   | a frozen process cannot fork or leave |
/// | 4    | SIGKILL every frozen process; wait; SIGCONT any survivor   | nothing is ever left stopped  |
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
    private string SessionsFile => Path.Combine(config.StateDir, $"{Instance}.sessions");

    // ---- identity ------------------------------------------------------------------------------

    private static string[] CommandLine(int pid) => new ProcessIdentity(pid, 0).CommandLine() ?? [];

    /// <summary>Perl's $0 = "xcatd: SSL listener" becomes argv[0] (padded with spaces or NULs).</summary>
    public static bool IsListener(int pid) => ListenerIdentity(pid) is not null;

    private static ProcessIdentity? ListenerIdentity(int pid) =>
        ProcessIdentity.Of(pid) is { } id && CommandLine(pid) is [var title, ..] && title.TrimEnd() == ListenerTitle ? id : null;

    /// <summary>
    /// Any process of xcatd: a titled one ("xcatd: SSL listener", "xcatd SSL: Instance for …",
    /// plain "xcatd" between daemonising and taking its title), or a launcher running our binary.
    /// </summary>
    private bool IsXcatdProcess(int pid) =>
        CommandLine(pid) is { Length: > 0 } argv && (IsXcatdTitle(argv[0]) || argv.Contains(config.Binary));

    private static bool IsXcatdTitle(string title) =>
        title.TrimEnd() == "xcatd" || title.StartsWith("xcatd:", StringComparison.Ordinal) || title.StartsWith("xcatd SSL:", StringComparison.Ordinal);

    /// <summary>
    /// The process the pid file names when it is xcatd but not (yet) the titled listener: xcatd
    /// writes the pid at fork time, before the child takes its title and listens. After a start
    /// killed in that window (its launcher may be gone already) it is the one thing left to find.
    /// </summary>
    private int? StartingListener() =>
        ReadPidFile() is { } pid && pid > 0 && ProcessIdentity.Of(pid) is not null && IsXcatdProcess(pid) && !IsListener(pid) ? pid : null;

    /// <summary>The listener the pid file names, when it is one.</summary>
    public ProcessIdentity? PidFileListener() =>
        ReadPidFile() is { } pid ? ListenerIdentity(pid) : null;

    private int? ReadPidFile()
    {
        try { return int.TryParse(File.ReadAllText(config.PidFile).Trim(), out var pid) && pid > 0 ? pid : 0; }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    private static ProcessIdentity? Recorded(string file) =>
        StateDirectory.ReadRecord(file) is { } text && ProcessIdentity.Parse(text) is { IsAlive: true } id ? id : null;

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
        StateDirectory.WriteRecord(file, id.ToString());
    }

    /// <summary>The sessions recorded at start (the listener's and the launcher's).</summary>
    private List<int> RecordedSessions() =>
        (StateDirectory.ReadRecord(SessionsFile) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => int.TryParse(t, out var sid) ? sid : 0).Where(sid => sid > 1).Distinct().ToList();

    /// <summary>
    /// What is left in the sessions of the xcatd this resource started, once its listener is gone
    /// (SIGKILLed alone, its helpers keep port 3002; a request keeps running its plugin).
    /// </summary>
    private List<int> Leftovers() => ProcessIdentity.SessionMembers(RecordedSessions());

    // ---- monitor -------------------------------------------------------------------------------

    public OcfResult Monitor(int level, Deadline deadline)
    {
        if (PidFileListener() is not { } listener)
        {
            if (Recorded(ListenerFile) is { } orphan && IsListener(orphan.Pid))
                return OcfResult.Fail(OcfExit.Generic, $"xcatd's SSL listener (pid {orphan.Pid}) runs but {config.PidFile} does not name it; stop will stop it");
            if (InterruptedLauncher() is { } launcher)
                return OcfResult.Fail(OcfExit.Generic, $"xcatd's launcher (pid {launcher.Pid}) from an interrupted start is still waiting to start the listener");
            if (StartingListener() is { } starting)
                return OcfResult.Fail(OcfExit.Generic, $"xcatd (pid {starting}) named by {config.PidFile} is not yet its SSL listener: an interrupted start; start waits for it, stop stops it");
            if (Leftovers() is { Count: > 0 } left)
                return OcfResult.Fail(OcfExit.Generic, $"xcatd's SSL listener is gone but its processes remain: {Titles(left)}; stop will end them");
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
            return OcfResult.Fail(OcfExit.Generic, $"xcatd runs but its database does not ({DatabaseNamed()}): lsxcatd got 'Permission denied for request'; check xcatdb");
        if (errors.Count > 0)
            return OcfResult.Fail(OcfExit.Generic, $"xcatd answered lsxcatd with an error: {string.Join("; ", errors)}");
        log.Debug($"lsxcatd -v: {string.Join("; ", responses.SelectMany(r => r.Values("data")))}");
        return OcfResult.Success;
    }

    /// <summary>The database xcatd uses, as its cfgloc names it (never the password).</summary>
    private string DatabaseNamed()
    {
        var path = Path.Combine(config.ConfigDir, "cfgloc");
        return Cfgloc.Read(path) switch
        {
            { Value: { } c } => $"{(c.Engine == XcatDbEngine.Postgresql ? "PostgreSQL" : "MariaDB/MySQL")} database {c.Database ?? "?"} on {c.Host ?? "localhost"}{(c.Port is { } port ? $":{port}" : "")}, from {path}",
            { Exists: false } => $"SQLite tables in {config.ConfigDir}",
            var r => r.Problem ?? $"see {path}",
        };
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
        if (launcher == 0 && StartingListener() is { } starting)
        {
            log.Info($"xcatd (pid {starting}) from an interrupted start is becoming its SSL listener; waiting for it");
            var until = Deadline.After(deadline.Remaining / 2);
            var up = OcfResult.NotRunning;
            until.WaitUntil(() => (up = Monitor(0, until)).IsSuccess || ProcessIdentity.Of(starting) is null, TimeSpan.FromMilliseconds(50));
            if (up.IsSuccess && PidFileListener() is { } adopted) return Started(adopted);
            log.Info($"xcatd (pid {starting}) did not become a listener ({up.Reason ?? "gone"}); ending it and starting afresh");
            Terminate([starting], [ProcessIdentity.SessionOf(starting)], Deadline.After(deadline.Remaining / 2));
        }
        if (launcher > 0)
            log.Info($"xcatd's launcher (pid {launcher}) from an interrupted start is still running; waiting for it");
        else
        {
            if (Recorded(ListenerFile) is { } orphan && IsListener(orphan.Pid))
                return OcfResult.Fail(OcfExit.Generic, $"xcatd's SSL listener (pid {orphan.Pid}) runs but {config.PidFile} does not name it; stop the resource first");
            if (Leftovers() is { Count: > 0 } left)
            {
                log.Info($"killing what is left of the xcatd this resource started: {Titles(left)}");
                Terminate([], RecordedSessions(), deadline);
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
            // systemd runs the launcher; the readiness wait is the same.
            if (config.SystemdUnit is { } unit) return StartUnit(unit, deadline);
            RemoveStaleServicePids();
            var env = new Dictionary<string, string>
            {
                ["PATH"] = $"{config.XcatRoot}/sbin:{config.XcatRoot}/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                ["XCATROOT"] = config.XcatRoot,
                ["LANG"] = "C.UTF-8",
            };
            foreach (var (k, v) in UnbufferedPerl()) env[k] = v;
            MarkLog();
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

        // Daemon.Spawn puts the launcher in a session of its own: its pid is that session's id.
        if (ready.IsSuccess && PidFileListener() is { } listener) return Started(listener, launcher);
        if (exit is { } status && status != 0)
        {
            Terminate([launcher], [launcher], Deadline.After(deadline.Remaining));
            StateDirectory.ForgetRecord(LauncherFile);
            return OcfResult.Fail(OcfExit.Generic, $"xcatd exited with {Daemon.DescribeExit(status)} during start-up" +
                (Daemon.ExitCode(status) == 2 ? $" (xcatd exits 2 at once when {config.ConfigDir} is unusable)" : "") + $": {LastLogLine()}");
        }
        var waiting = exit is null;
        Terminate([launcher], [launcher], Deadline.After(deadline.Remaining));
        StateDirectory.ForgetRecord(LauncherFile);
        return waiting
            ? OcfResult.Fail(OcfExit.Generic, $"xcatd still waits for its database at the start timeout ({LastLogLine()}); " +
                $"killed its launcher (pid {launcher}) and all it started; start xcatdb first (xcatd itself retries for ~27 minutes)")
            : OcfResult.Fail(OcfExit.Generic, $"xcatd started but its listener did not hold port {config.Port} within the start timeout ({ready.Reason ?? "no listener in " + config.PidFile}); killed it; last log line: {LastLogLine()}");
    }

    private OcfResult Started(ProcessIdentity listener, int launcherSession = 0)
    {
        Record(ListenerFile, listener.Pid);
        var sessions = new[] { ProcessIdentity.SessionOf(listener.Pid), launcherSession }.Where(sid => sid > 1).Distinct();
        StateDirectory.WriteRecord(SessionsFile, string.Join(' ', sessions));
        CrashPoint.Here("recorded the listener");
        StateDirectory.ForgetRecord(LauncherFile);
        log.Info($"xcatd's SSL listener (pid {listener.Pid}) holds port {config.Port}");
        return OcfResult.Success;
    }

    /// <summary>
    /// systemd mode: the unit's launcher is ours to wait for, not to spawn. The unit failing
    /// (xcatd's exit 2, a bad ExecStart) ends the wait at once; at the deadline the unit is
    /// stopped, and any launcher it left still waiting for the database with it.
    /// </summary>
    private OcfResult StartUnit(string unit, Deadline deadline)
    {
        var ready = OcfResult.NotRunning;
        var start = Systemd.StartAndWait(unit, deadline, wait => (ready = Monitor(0, wait)).IsSuccess, log, "");
        if (start.NotQueued is { } error) return OcfResult.Fail(OcfExit.Generic, error);
        if (start.Ready && PidFileListener() is { } listener) return Started(listener);
        var waiting = !start.Failed && Launchers().Count > 0;
        Systemd.StopAfterStart(unit, deadline, log);
        Terminate(Launchers(), [], Deadline.After(deadline.Remaining));
        if (start.Failed) return OcfResult.Fail(OcfExit.Generic, $"systemd reports {unit} failed; see systemctl status {unit} and journalctl -u {unit}");
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
        var sessions = RecordedSessions();
        if (listener is { } found) sessions.Add(ProcessIdentity.SessionOf(found.Pid));
        if (launcher is { } spawned) sessions.Add(spawned.Pid);
        var starting = StartingListener();
        if (starting is { } named) sessions.Add(ProcessIdentity.SessionOf(named));
        if (launcher is { } half)
        {
            // A start killed half-way: its launcher is frozen and ended first, with all it forked,
            // so that it cannot fork a listener while the rest is being stopped.
            log.Info($"ending the launcher (pid {half.Pid}) of an interrupted start and all it started");
            Terminate([half.Pid], [half.Pid], Deadline.After(deadline.Remaining / 2));
        }
        if (config.SystemdUnit is { } unit)
        {
            // systemd stops the unit (TERM, then KILL of its cgroup after TimeoutStopSec); whatever
            // of xcatd survives the half of the stop timeout it gets meets the escalation below.
            Systemd.StopFirst(unit, deadline, log);
            listener = listener is { IsAlive: true } ? listener : null;
        }
        if (listener is { } l)
        {
            // With no request in flight, TERM to the listener alone is xCAT's own shutdown (its
            // init script's): it ends its helpers and is gone in under a second. To its process
            // group, every helper runs its own shutdown too, each asking the service manager to
            // stop tftpd (1.8 s measured on a node without systemd, against 0.7 s). But with a
            // request in flight the listener waits for it without limit and signals nobody: then
            // the group, whose connection handlers end their requests' plugins (~2 s) — also when
            // xcatd still runs after the listener alone had its time (a request came meanwhile).
            var group = ProcessIdentity.GroupOf(l.Pid);
            var gentle = Deadline.After(deadline.Remaining / 2);
            var gone = () => !l.IsAlive && Owned(sessions).Count == 0;
            var requests = Owned(sessions).Where(IsRequest).ToList();
            string? toGroup = requests.Count > 0 ? $"{requests.Count} request(s) in flight ({Titles(requests)})" : null;
            if (toGroup is null)
            {
                log.Info($"stopping xcatd: SIGTERM to its SSL listener (pid {l.Pid})");
                Signal.Send(l.Pid, Signal.SIGTERM);
                CrashPoint.Here("sent SIGTERM");
                var grace = TimeSpan.FromTicks(Math.Min(ListenerAloneGrace.Ticks, gentle.Remaining.Ticks / 2));
                if (!Deadline.After(grace).WaitUntil(gone, TimeSpan.FromMilliseconds(20)))
                    toGroup = $"still running {grace.TotalSeconds:0.#} s after its listener's SIGTERM";
            }
            if (toGroup is not null)
            {
                log.Info($"stopping xcatd, {toGroup}: SIGTERM to its SSL listener's process group ({group})");
                if (!Signal.SendGroup(group, Signal.SIGTERM)) Signal.Send(l.Pid, Signal.SIGTERM);
                CrashPoint.Here("sent SIGTERM to the group");
            }
            if (!gentle.WaitUntil(gone, TimeSpan.FromMilliseconds(50)))
                log.Warn($"xcatd did not stop on SIGTERM within {gentle.Budget.TotalSeconds:0.#} s: {Titles(Owned(sessions))}; SIGKILL");
        }
        else if (Owned(sessions) is { Count: > 0 } left)
            log.Info($"killing what is left of xcatd: {Titles(left)}");
        if (Terminate(starting is { } root ? [root] : [], sessions, deadline) is { } survivors)
            return OcfResult.Fail(OcfExit.Generic, $"xcatd processes survive SIGKILL: {survivors}");
        CrashPoint.Here("xcatd gone");

        if (ReadPidFile() is { } stale && !IsListener(stale))
        {
            AtomicFs.Unlink(config.PidFile);
            log.Info($"removed stale {config.PidFile}");
        }
        RemoveStaleServicePids();
        StateDirectory.ForgetRecord(ListenerFile);
        StateDirectory.ForgetRecord(SessionsFile);
        StateDirectory.ForgetRecord(LauncherFile);
        StateDirectory.ForgetRecord(PostStartCommands.MarkerFile(config, Instance));
        return OcfResult.Success;
    }

    /// <summary>
    /// An xcatd this resource did not start, on this resource's ports: the stop must not answer
    /// "stopped" while it runs (Pacemaker would start xcatd elsewhere on the same database).
    /// </summary>
    public OcfResult? ForeignXcatd()
    {
        foreach (var port in new[] { config.Port, config.InstallPort })
        {
            var holders = PortOwner.Listeners(port);
            if (holders.FirstOrDefault(IsXcatdProcess) is var other and > 0)
                return OcfResult.Fail(OcfExit.Generic,
                    $"port {port} is held by an xcatd this resource did not start: pid {other} ('{string.Join(' ', CommandLine(other)).TrimEnd()}'); stop it by hand, then clean up the resource");
            if (holders.Count > 0) log.Warn($"port {port} is held by {PortOwner.Describe(port)}, not xcatd; the next start will refuse it");
        }
        return null;
    }

    private static List<int> Owned(IEnumerable<int> sessions) => ProcessIdentity.SessionMembers(sessions.ToHashSet());

    /// <summary>How long the listener alone gets to shut xcatd down (measured idle: under 0.5 s).</summary>
    private static readonly TimeSpan ListenerAloneGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A plugin running a client's command: "xcatd SSL: COMMAND: PLUGIN instance" (rinstall's,
    /// copycds', updatenode's work). The connection's own processes ("xcatd SSL: Instance for …",
    /// "xcatd SSL: COMMAND") also answer commands xcatd serves itself (lsxcatd) and linger a
    /// moment after the answer: the listener's own shutdown waits for those briefly, not without limit.
    /// </summary>
    private static bool IsRequest(int pid) =>
        CommandLine(pid) is [var title, ..] && title.StartsWith("xcatd SSL:", StringComparison.Ordinal)
        && title.TrimEnd().EndsWith(" instance", StringComparison.Ordinal);

    /// <summary>
    /// Ends <paramref name="roots"/>, everything below them and everything in
    /// <paramref name="sessions"/> (plus any session a descendant leads: the listener's setsid).
    /// Freezes first (SIGSTOP), rescanning until no new process appears — a frozen process can
    /// neither fork nor leave — then SIGKILLs each one it froze and waits. Anything it froze that
    /// still lives at the deadline is thawed (SIGCONT), never left stopped, and named: null when
    /// nothing survives. The agent itself, its session and init are never touched.
    /// </summary>
    private string? Terminate(IReadOnlyCollection<int> roots, IEnumerable<int> sessions, Deadline deadline)
    {
        var self = Environment.ProcessId;
        var ownSession = ProcessIdentity.SessionOf(self);
        var ids = sessions.Where(sid => sid > 1 && sid != ownSession).ToHashSet();
        var frozen = new HashSet<int>();
        for (var round = 0; round < 50; round++)
        {
            var now = roots.Where(p => ProcessIdentity.Of(p) is not null)
                .Concat(ProcessIdentity.SessionMembers(ids))
                .Concat(ProcessIdentity.Descendants(roots.Concat(frozen)))
                .Where(p => p > 1 && p != self && ProcessIdentity.SessionOf(p) != ownSession)
                .Distinct().Where(p => !frozen.Contains(p)).ToList();
            if (now.Count == 0) break;
            foreach (var p in now)
            {
                Signal.Send(p, Signal.SIGSTOP);
                frozen.Add(p);
                if (ProcessIdentity.SessionOf(p) == p) ids.Add(p);
            }
        }
        if (frozen.Count == 0) return null;
        var identities = frozen.Select(ProcessIdentity.Of).OfType<ProcessIdentity>().ToList();
        foreach (var id in identities) Signal.Send(id.Pid, Signal.SIGKILL);
        foreach (var p in roots) Daemon.TryReap(p);
        if (deadline.WaitUntil(() => identities.All(id => !id.IsAlive), TimeSpan.FromMilliseconds(20))) return null;
        var alive = identities.Where(id => id.IsAlive).Select(id => id.Pid).ToList();
        foreach (var p in alive) Signal.Send(p, Signal.SIGCONT);
        return Titles(alive);
    }

    private static string Titles(IEnumerable<int> pids) =>
        string.Join(", ", pids.Select(p => $"{p} '{(CommandLine(p) is [var t, ..] ? t.TrimEnd() : "?")}'"));


    // ---- the launcher's console log -----------------------------------------------------------

    private const string LogMark = "==== ocf:xcat:xcatd: starting ";

    /// <summary>
    /// A line in the console log before each start: the reason for a failed start then quotes
    /// this start's output, never a line an earlier run left at the end of the file.
    /// </summary>
    private void MarkLog()
    {
        try { File.AppendAllText(config.LogFile, $"{LogMark}{config.Binary} -p {config.PidFile} at {DateTime.Now:yyyy-MM-ddTHH:mm:ss} ====\n"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { log.Warn($"cannot write {config.LogFile}: {ErrorText.Describe(e)}"); }
    }

    /// <summary>
    /// xcatd is Perl, and Perl buffers STDOUT in blocks when it is a file: a launcher killed while
    /// it waits for the database took its last lines with it ("Can not open basic site table…").
    /// A module of one line in our state_dir turns autoflush on for STDOUT and STDERR, loaded
    /// through PERL5OPT (which Perl ignores under taint checks, so nothing else changes).
    /// </summary>
    private IReadOnlyDictionary<string, string> UnbufferedPerl()
    {
        var lib = Path.Combine(StateDirectory.Ensure(config.StateDir), "perl5");
        try
        {
            if (!Directory.Exists(lib)) Directory.CreateDirectory(lib, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            AtomicFs.WriteFileAtomic(Path.Combine(lib, "OcfAgentsAutoflush.pm"),
                "package OcfAgentsAutoflush; use IO::Handle; STDOUT->autoflush(1); STDERR->autoflush(1); 1;\n"u8,
                UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warn($"xcatd's console output stays buffered: {ErrorText.Describe(e)}");
            return new Dictionary<string, string>();
        }
        return new Dictionary<string, string> { ["PERL5LIB"] = lib, ["PERL5OPT"] = "-MOcfAgentsAutoflush" };
    }

    /// <summary>
    /// What this start's launcher said that explains its failure: among the lines after this
    /// start's mark, the last ERROR or error line (xcatd prints "ERROR: Need xcatdport defined…"
    /// and then Perl's "Died at … line 201", which says nothing), else the last line that is not a
    /// Perl warning.
    /// </summary>
    private string LastLogLine()
    {
        List<string> lines;
        try { lines = File.ReadLines(config.LogFile).ToList(); }
        catch (IOException) { return $"(no log at {config.LogFile})"; }
        var mark = lines.FindLastIndex(l => l.StartsWith(LogMark, StringComparison.Ordinal));
        var run = lines.Skip(mark + 1).Select(l => l.Trim()).Where(l => l.Length > 0)
            .Where(l => !l.StartsWith("Use of uninitialized value", StringComparison.Ordinal) && !l.StartsWith("Died at ", StringComparison.Ordinal))
            .ToList();
        return run.LastOrDefault(l => l.Contains("ERROR", StringComparison.Ordinal) || l.Contains("Error", StringComparison.Ordinal)
                   || l.StartsWith("Can not", StringComparison.Ordinal))
            ?? run.LastOrDefault()
            ?? lines.Skip(mark + 1).LastOrDefault(l => l.Trim().Length > 0)?.Trim()
            ?? $"(xcatd wrote nothing to {config.LogFile} during this start)";
    }

    // ---- xcatd's own service pid files -----------------------------------------------------------

    private const string ServicePidDir = "/var/run/xcat";

    /// <summary>
    /// xcatd writes /var/run/xcat/{main,install,udp,cmdlog}service.pid and never removes them; when
    /// it cannot bind its port it reads mainservice.pid and signals that pid — after a SIGKILL and
    /// a reboot's worth of pids, any process. Removed before a start when they name no live xcatd.
    /// </summary>
    private void RemoveStaleServicePids()
    {
        if (!Directory.Exists(ServicePidDir)) return;
        foreach (var file in Directory.EnumerateFiles(ServicePidDir, "*service.pid"))
        {
            string text;
            try { text = File.ReadAllText(file).Trim(); }
            catch (IOException) { continue; }
            if (int.TryParse(text, out var pid) && pid > 0 && IsXcatdProcess(pid)) continue;
            AtomicFs.Unlink(file);
            log.Info($"removed stale {file} (pid {text} is no xcatd)");
        }
    }
}
