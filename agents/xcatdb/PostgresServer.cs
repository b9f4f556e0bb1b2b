using System.Globalization;
using System.Text;
using OcfAgents.Db;
using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Agents.XcatDb;

/// <summary>
/// PostgreSQL run directly (no pg_ctl: it hands -o to a shell; no systemd needed): the postmaster
/// is started through setpriv as the run-as user in its own session, and known by its
/// postmaster.pid (line 1 pid, line 8 status) plus its identity — a live process whose working
/// directory is the data directory (the postmaster chdirs there) and whose name is postgres.
///
/// Stop escalates the way pg_ctl's modes do, by signal to the postmaster:
/// | step      | signal  | waits for                | share of the stop deadline |
/// |-----------|---------|--------------------------|----------------------------|
/// | smart     | SIGTERM | clients to leave         | 1/4                        |
/// | fast      | SIGINT  | transactions rolled back | 1/2 of what is left        |
/// | immediate | SIGQUIT | nothing (crash recovery at next start) | the rest     |
/// and is verified: postmaster.pid gone and no process left with its cwd in the data directory.
/// </summary>
public sealed class PostgresServer(XcatDbConfig config, Log log) : IDatabase
{
    private string DataDir => config.DataDir!;
    private string PidFile => Path.Combine(DataDir, "postmaster.pid");

    private string? BinDir => config.BinDir ?? FindBinDir();

    private static string? FindBinDir()
    {
        foreach (var pattern in new[] { ("/usr/lib/postgresql", "bin"), ("/usr", "bin") })
        {
            if (!Directory.Exists(pattern.Item1)) continue;
            var candidates = pattern.Item1 == "/usr"
                ? Directory.GetDirectories("/usr", "pgsql-*").Select(d => Path.Combine(d, "bin"))
                : Directory.GetDirectories(pattern.Item1).Select(d => Path.Combine(d, pattern.Item2));
            var best = candidates.Where(d => File.Exists(Path.Combine(d, "postgres")))
                .OrderByDescending(d => Version(d)).FirstOrDefault();
            if (best is not null) return best;
        }
        return null;
    }

    private static double Version(string binDir) =>
        double.TryParse(new string(Path.GetFileName(Path.GetDirectoryName(binDir)!).Where(c => char.IsDigit(c) || c == '.').ToArray()),
            NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;

    // ---- state ---------------------------------------------------------------------------------

    private readonly record struct PidFileState(int Pid, string Status, bool Ours, string? Comm);

    private PidFileState? ReadPidFile()
    {
        string[] lines;
        try { lines = File.ReadAllLines(PidFile); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        if (lines.Length < 1 || !int.TryParse(lines[0].Trim(), out var pid)) return new PidFileState(0, "unreadable", false, null);
        var status = lines.Length >= 8 ? lines[7].Trim() : "starting";
        return new PidFileState(pid, status, IsOurPostmaster(pid), Comm(pid));
    }

    private bool IsOurPostmaster(int pid) =>
        ProcessIdentity.Of(pid) is not null
        && Comm(pid) is "postgres" or "postmaster"
        && PathText.Real($"/proc/{pid}/cwd") is { } cwd && cwd == (PathText.Real(DataDir) ?? DataDir);

    private static string? Comm(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Processes whose working directory is inside the data directory (the postmaster and its children).</summary>
    private List<int> Holders()
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

    // ---- actions -------------------------------------------------------------------------------

    public OcfResult Monitor(int level, Deadline deadline)
    {
        if (!Directory.Exists(DataDir))
            return OcfResult.Fail(OcfExit.NotInstalled, $"data directory {DataDir} does not exist on this node");
        var pidFile = ReadPidFile();
        if (pidFile is not { Ours: true } state)
        {
            var holders = Holders();
            if (holders.Count > 0)
                return OcfResult.Fail(OcfExit.Generic, $"no running postmaster for {DataDir}, but processes {string.Join(", ", holders)} still work in it");
            if (pidFile is { Pid: > 0 } stale)
                log.Debug($"{PidFile} names pid {stale.Pid} ({stale.Comm ?? "gone"}), not this data directory's postmaster: stale");
            return OcfResult.NotRunning;
        }
        if (state.Status != "ready")
            return OcfResult.Fail(OcfExit.Generic, $"PostgreSQL (pid {state.Pid}) is {state.Status}, not ready");
        var creds = config.Credentials();
        var answer = PostgresProbe.Ask("127.0.0.1", config.Port, creds?.User ?? config.RunAs, creds?.Database ?? "postgres", deadline);
        if (!answer.Accepts)
            return OcfResult.Fail(OcfExit.Generic, $"PostgreSQL (pid {state.Pid}) does not accept connections on 127.0.0.1:{config.Port}: {answer.Message}");
        return level >= 10 ? HealthQuery(deadline) : OcfResult.Success;
    }

    public OcfResult Preflight()
    {
        if (BinDir is not { } bin || !File.Exists(Path.Combine(bin, "postgres")))
            return OcfResult.Fail(OcfExit.NotInstalled, BinDir is null
                ? "no PostgreSQL server binaries found (/usr/lib/postgresql/*/bin, /usr/pgsql-*/bin); install the server or set bindir"
                : $"{Path.Combine(BinDir, "postgres")} does not exist; install the PostgreSQL server or fix bindir");
        if (!Directory.Exists(DataDir))
            return OcfResult.Fail(OcfExit.NotInstalled, $"data directory {DataDir} does not exist on this node (is the shared storage mounted?)");
        if (!File.Exists(Path.Combine(DataDir, "PG_VERSION")))
            return OcfResult.Fail(OcfExit.NotInstalled, $"{DataDir} has no PG_VERSION: not a PostgreSQL data directory");
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
        var before = ReadPidFile();
        var pid = before is { Ours: true } running ? running.Pid : 0;
        if (pid == 0)
        {
            if (before is { Pid: > 0 } other)
            {
                var alive = ProcessIdentity.Of(other.Pid) is not null;
                if (alive && other.Comm is "postgres" or "postmaster")
                    return OcfResult.Fail(OcfExit.Generic, $"{PidFile} names pid {other.Pid}, a running postgres of another data directory; stop it, or remove the file after checking");
                // The postmaster is gone (a zombie nobody reaped yet counts as gone; postgres itself
                // would take it for alive) or the pid now belongs to some other program. Its
                // children leave on their own once they notice; then the file is stale.
                if (!deadline.WaitUntil(() => Holders().Count == 0, TimeSpan.FromMilliseconds(50)))
                    return OcfResult.Fail(OcfExit.Generic, $"processes {string.Join(", ", Holders())} still work in {DataDir} without a postmaster");
                AtomicFs.Unlink(PidFile);
                log.Info($"removed stale {PidFile} (pid {other.Pid} is {(alive ? $"{other.Comm ?? "another program"}, not a postmaster" : "gone")})");
            }
            RemoveStaleSocketLock();
            if (PortTaken(config.Port))
                return OcfResult.Fail(OcfExit.Generic, $"port {config.Port} on 127.0.0.1 is in use by another program; free it or set port");
            var (uid, gid) = UserIds(config.RunAs, deadline)!.Value;
            string[] argv = ["setpriv", $"--reuid={uid}", $"--regid={gid}", "--init-groups", "--",
                Path.Combine(BinDir!, "postgres"), "-D", DataDir,
                "-c", $"port={config.Port}", "-c", $"listen_addresses={config.ListenAddresses}",
                "-c", $"unix_socket_directories={config.SocketDir}",
                .. config.ServerSettings.SelectMany(x => new[] { "-c", x })];
            var env = new Dictionary<string, string> { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin", ["LANG"] = "C.UTF-8" };
            try { pid = Daemon.Spawn(argv, env, config.LogFile, DataDir); }
            catch (IOException e) { return OcfResult.Fail(OcfExit.Generic, $"cannot start postgres: {e.Message}"); }
            log.Info($"started postgres (pid {pid}) on {DataDir}, port {config.Port}; log {config.LogFile}");
        }

        // Ready = postmaster.pid says "ready" and a client is accepted. The spawned process is the
        // postmaster itself (setpriv execs it), so its death ends the wait early.
        var last = OcfResult.NotRunning;
        deadline.WaitUntil(() => (last = Monitor(0, deadline)).IsSuccess || !ProcessAlive(pid), TimeSpan.FromMilliseconds(100));
        if (last.IsSuccess) return OcfResult.Success;
        return OcfResult.Fail(OcfExit.Generic, ProcessAlive(pid)
            ? $"PostgreSQL did not become ready within the start timeout ({last.Reason ?? "not running"}); last log line: {LastLogLine()}"
            : $"postgres exited during start-up: {LastLogLine()}");
    }

    /// <summary>
    /// The postmaster also locks its Unix socket (socket_dir/.s.PGSQL.PORT.lock, first line its
    /// pid). After a SIGKILL that lock outlives it just like postmaster.pid does, and a zombie pid
    /// in it makes postgres refuse to start; removed only when that pid is gone or a zombie.
    /// </summary>
    private void RemoveStaleSocketLock()
    {
        var lockFile = Path.Combine(config.SocketDir, $".s.PGSQL.{config.Port}.lock");
        string? first;
        try { first = File.ReadLines(lockFile).FirstOrDefault(); }
        catch (IOException) { return; }
        if (!int.TryParse(first?.Trim(), out var pid) || ProcessIdentity.Of(pid) is not null) return;
        AtomicFs.Unlink(lockFile);
        var socket = Path.Combine(config.SocketDir, $".s.PGSQL.{config.Port}");
        if (File.Exists(socket)) AtomicFs.Unlink(socket);
        log.Info($"removed stale {lockFile} (pid {pid} is gone)");
    }

    private static bool PortTaken(int port)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try { return socket.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromSeconds(1)); }
        catch (AggregateException) { return false; }
    }

    public OcfResult Stop(Deadline deadline)
    {
        var state = ReadPidFile();
        if (state is { Ours: true } s)
        {
            foreach (var (signal, name, share) in new[] { (Signal.SIGTERM, "smart", 4), (Signal.SIGINT, "fast", 2), (Signal.SIGQUIT, "immediate", 1) })
            {
                if (!ProcessAlive(s.Pid)) break;
                log.Info($"stopping PostgreSQL (pid {s.Pid}) in {name} mode");
                Signal.Send(s.Pid, signal);
                var step = Deadline.After(deadline.Remaining / share);
                if (step.WaitUntil(() => !ProcessAlive(s.Pid), TimeSpan.FromMilliseconds(100))) break;
            }
        }
        // Whatever still works in the data directory (children of a SIGKILLed postmaster) goes too:
        // a second node will start a postmaster on the same files.
        if (!deadline.WaitUntil(() => Holders().Count == 0, TimeSpan.FromMilliseconds(100)) || (state is { Ours: true } st && ProcessAlive(st.Pid)))
        {
            var left = Holders();
            foreach (var pid in left) Signal.Send(pid, Signal.SIGKILL);
            if (!Deadline.After(TimeSpan.FromSeconds(2)).WaitUntil(() => Holders().Count == 0))
                return OcfResult.Fail(OcfExit.Generic, $"processes {string.Join(", ", left)} still hold {DataDir} after SIGKILL");
        }
        if (File.Exists(PidFile) && ReadPidFile() is { Ours: false })
        {
            // The postmaster removes it on a clean exit; after immediate/KILL it is stale and ours to remove.
            AtomicFs.Unlink(PidFile);
            log.Info($"removed stale {PidFile}");
        }
        return OcfResult.Success;
    }

    private static bool ProcessAlive(int pid) => ProcessIdentity.Of(pid) is not null;

    // ---- depth 10: xCAT's own query with cfgloc's credentials -----------------------------------

    private OcfResult HealthQuery(Deadline deadline)
    {
        if (config.Credentials() is not { } creds)
            return OcfResult.Fail(OcfExit.NotConfigured, $"depth 10 needs the credentials in {config.CfglocPath}, which does not name PostgreSQL");
        var host = creds.Host ?? "127.0.0.1";
        var port = creds.Port ?? config.Port;
        var db = creds.Database!;
        // The password reaches psql only through a 0600 passfile (PGPASSFILE): never argv or environment.
        var passDir = Path.Combine(Path.GetTempPath(), "ocf-xcatdb");
        Directory.CreateDirectory(passDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var passFile = Path.Combine(passDir, $"pgpass.{Environment.ProcessId}");
        var line = Encoding.UTF8.GetBytes($"{PgPass(host)}:{port}:{PgPass(db)}:{PgPass(creds.User)}:");
        var escaped = PgPassBytes(creds.Password);
        try
        {
            using (var f = new FileStream(passFile, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
                f.Write(line);
                f.Write(escaped);
                f.Write("\n"u8);
            }
            var psql = Path.Combine(BinDir ?? "/usr/bin", "psql");
            var r = ProcessRunner.Run(new ProcessSpec([psql, "-X", "-A", "-t", "-q", "-w", "-v", "ON_ERROR_STOP=1",
                "-h", host, "-p", port.ToString(CultureInfo.InvariantCulture), "-U", creds.User, "-d", db,
                "-c", "SELECT value FROM site WHERE \"key\" = 'xcatdport'"])
            {
                Environment = new Dictionary<string, string>
                {
                    ["PGPASSFILE"] = passFile, ["PGCONNECT_TIMEOUT"] = Math.Max(2, (int)deadline.Remaining.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                    ["LANG"] = "C", ["PGAPPNAME"] = "ocf-xcatdb",
                },
            }, deadline);
            var value = r.Stdout.Trim();
            if (r.Succeeded && value.Length > 0)
            {
                log.Debug($"site.xcatdport = {value}");
                return OcfResult.Success;
            }
            var err = r.Stderr.Trim().Split('\n').FirstOrDefault(l => l.Length > 0) ?? "";
            if (r.Succeeded) return OcfResult.Fail(OcfExit.Generic, $"the site table of {db} has no xcatdport row");
            if (err.Contains("relation \"site\" does not exist", StringComparison.Ordinal))
                return OcfResult.Fail(OcfExit.Generic, $"database {db} has no site table: not an xCAT database (or not initialised)");
            if (err.Contains("password authentication failed", StringComparison.Ordinal) || err.Contains("no password supplied", StringComparison.Ordinal))
                return OcfResult.Fail(OcfExit.Generic, $"PostgreSQL refuses the credentials of {config.CfglocPath} for user {creds.User}: {err}");
            return OcfResult.Fail(OcfExit.Generic, $"health query on {host}:{port}/{db} failed: {(r.TimedOut ? "timed out" : err)}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return OcfResult.Fail(OcfExit.NotInstalled, $"psql not found in {BinDir}; the depth-10 check needs it");
        }
        finally
        {
            Array.Clear(escaped);
            try { File.Delete(passFile); } catch (IOException) { }
        }
    }

    // .pgpass fields: ':' and '\' are escaped with '\'.
    private static string PgPass(string field) => field.Replace("\\", "\\\\").Replace(":", "\\:");

    private static byte[] PgPassBytes(byte[] password)
    {
        var list = new List<byte>(password.Length + 4);
        foreach (var b in password)
        {
            if (b is (byte)'\\' or (byte)':') list.Add((byte)'\\');
            list.Add(b);
        }
        return list.ToArray();
    }

    // ---- helpers -------------------------------------------------------------------------------

    /// <summary>uid and primary gid of a user through NSS (`id`), or null when the user does not exist.</summary>
    private static (string Uid, string Gid)? UserIds(string user, Deadline deadline)
    {
        try
        {
            var uid = ProcessRunner.Run(new ProcessSpec(["id", "-u", "--", user]), deadline);
            var gid = ProcessRunner.Run(new ProcessSpec(["id", "-g", "--", user]), deadline);
            return uid.Succeeded && gid.Succeeded ? (uid.Stdout.Trim(), gid.Stdout.Trim()) : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }

    private string LastLogLine()
    {
        try
        {
            var lines = File.ReadLines(config.LogFile).TakeLast(20).Where(l => l.Contains("FATAL") || l.Contains("ERROR") || l.Contains("LOG")).ToList();
            return lines.LastOrDefault(l => l.Contains("FATAL")) ?? lines.LastOrDefault() ?? "(empty log)";
        }
        catch (IOException) { return $"(no log at {config.LogFile})"; }
    }
}
