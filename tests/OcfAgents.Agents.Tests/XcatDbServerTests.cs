using System.Net;
using System.Net.Sockets;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>ocf:xcat:xcatdb with engine=postgresql against a real PostgreSQL 15 cluster on "shared storage".</summary>
public sealed class XcatDbPostgresTests(PostgresFixture pg) : XcatDbServerTests(pg), IClassFixture<PostgresFixture>
{
    /// <summary>
    /// The start after a SIGKILLed postmaster used to take its leftover backends for a server an
    /// earlier start had spawned, wait for them, and fail. A backend that cannot exit yet (frozen
    /// with SIGSTOP: the longest a loaded machine could keep one) makes the race certain: start
    /// must say it waits for the leftovers, and once they go, start the server.
    /// </summary>
    [Fact]
    public void Start_after_a_SIGKILLed_postmaster_waits_for_its_leftover_backends_instead_of_joining_them()
    {
        Assert.Equal(0, Do("start").Code);
        using var session = Session();
        SpinWait.SpinUntil(() => Backend() is not null, TimeSpan.FromSeconds(10));
        var backend = Backend() ?? throw new InvalidOperationException("no client backend appeared");
        Run.Command(["kill", "-STOP", backend.ToString()]);
        var postmaster = pg.ServerPid!.Value;
        Run.Command(["kill", "-KILL", postmaster.ToString()]);
        SpinWait.SpinUntil(() => !Directory.Exists($"/proc/{postmaster}"), TimeSpan.FromSeconds(10));

        using var start = Run.AgentProcess(Agent, "start", pg.Params());
        var stderr = new System.Text.StringBuilder();
        var waiting = new ManualResetEventSlim();
        start.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
            if (e.Data.Contains($"waiting for its processes", StringComparison.Ordinal)) waiting.Set();
        };
        start.BeginErrorReadLine();
        var saidSo = waiting.Wait(TimeSpan.FromSeconds(15));
        Run.Command(["kill", "-CONT", backend.ToString()]);
        Assert.True(start.WaitForExit(TimeSpan.FromSeconds(60)));
        start.WaitForExit();
        lock (stderr)
        {
            Assert.True(saidSo, $"start never waited for the leftover backend {backend}:\n{stderr}");
            Assert.True(start.ExitCode == 0, $"exit {start.ExitCode}\n{stderr}");
        }
        Assert.NotEqual(postmaster, pg.ServerPid);
        Assert.Equal(0, Do("monitor", level: 10).Code);
    }

    /// <summary>
    /// The same without a frozen backend, twenty times in a row with every core busy: the kill,
    /// the start and a depth-10 monitor each round.
    /// </summary>
    [Fact]
    public void Start_after_a_SIGKILLed_postmaster_recovers_twenty_times_in_a_row_under_a_CPU_burner()
    {
        var burners = Enumerable.Range(0, Environment.ProcessorCount).Select(_ =>
            System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", ["-c", "while :; do :; done"]))!).ToList();
        try
        {
            Assert.Equal(0, Do("start").Code);
            for (var round = 1; round <= 20; round++)
            {
                using var session = Session();
                SpinWait.SpinUntil(() => Backend() is not null, TimeSpan.FromSeconds(5));
                System.Diagnostics.Process.GetProcessById(pg.ServerPid!.Value).Kill();
                var start = Do("start");
                Assert.True(start.Code == 0, $"round {round}: {start}");
                var deep = Do("monitor", level: 10);
                Assert.True(deep.Code == 0, $"round {round}: {deep}");
                session.Kill();
            }
        }
        finally
        {
            foreach (var b in burners) { b.Kill(); b.Dispose(); }
        }
    }

    /// <summary>A client session that keeps a backend busy for a minute.</summary>
    private System.Diagnostics.Process Session()
    {
        var client = new System.Diagnostics.ProcessStartInfo($"{PostgresFixture.Bin}/psql",
            ["-X", "-q", "-h", "127.0.0.1", "-p", pg.Port.ToString(), "-U", "postgres", "-d", "postgres", "-c", "SELECT pg_sleep(60)"])
            { RedirectStandardError = true, RedirectStandardOutput = true };
        client.Environment["PGPASSWORD"] = "super";
        return System.Diagnostics.Process.Start(client)!;
    }

    /// <summary>The client backend of <see cref="Session"/>: "postgres: postgres postgres 127.0.0.1(…) SELECT".</summary>
    private int? Backend() => pg.Holders().Cast<int?>().FirstOrDefault(pid =>
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Contains("postgres postgres 127.0.0.1", StringComparison.Ordinal); }
        catch (IOException) { return false; }
    });
}

/// <summary>ocf:xcat:xcatdb with engine=mysql against a real MariaDB 10.11 server on "shared storage".</summary>
public sealed class XcatDbMariaDbTests(MariaDbFixture db) : XcatDbServerTests(db), IClassFixture<MariaDbFixture>;

/// <summary>What every server engine must do, asserted the same way for each.</summary>
public abstract class XcatDbServerTests(DatabaseFixture pg) : IDisposable
{
    protected static string Agent => Built.Release("xcatdb");

    protected AgentResult Do(string action, Dictionary<string, string>? p = null, int level = 0) =>
        Run.Agent(Agent, action, p ?? pg.Params(), env: level > 0 ? new() { ["OCF_CHECK_LEVEL"] = level.ToString() } : null);

    // Every test leaves the server stopped, whatever it did.
    public void Dispose()
    {
        Do("stop");
        pg.WriteCfgloc(DatabaseFixture.XcatPassword);
    }

    /// <summary>
    /// systemd mode against the systemd stand-in (<see cref="SystemdStandIn"/>): the unit runs the very
    /// server command line the agent runs itself (read from /proc after a direct start), as the
    /// run-as user, and stops it with SIGTERM the way a unit's stop would.
    /// </summary>
    [Fact]
    public void With_systemd_unit_the_server_starts_and_stops_as_systemd_jobs_and_is_checked_the_same_way()
    {
        Assert.Equal(0, Do("start").Code);
        var argv = File.ReadAllText($"/proc/{pg.ServerPid}/cmdline").TrimEnd('\0').Split('\0');
        Assert.Equal(0, Do("stop").Code);
        static string Quote(string a) => "'" + a.Replace("'", "'\\''") + "'";
        using var systemd = new SystemdStandIn(pg.Root);
        systemd.Unit("xcatdb.service",
            $"cd {Quote(pg.DataDir)} && setpriv --reuid={pg.ServerUser} --regid={pg.ServerUser} --init-groups -- {string.Join(' ', argv.Select(Quote))}",
            $"pid=$(head -1 {Quote(pg.PidFile)}); kill -TERM $pid; while kill -0 $pid 2>/dev/null; do sleep 0.1; done");
        var p = pg.Params(("systemd_unit", "xcatdb.service"));
        var env = systemd.Env;

        // Under strace: the unit is started and stopped over D-Bus, so no systemctl is ever run.
        var trace = Path.Combine(pg.Root, "execve.strace");
        string[] Strace(string action) => ["strace", "-f", "-qq", "-e", "trace=execve", "-o", $"{trace}.{action}"];
        var start = Run.Agent(Agent, "start", p, env, wrapper: Strace("start"));
        Assert.True(start.Code == 0, start.ToString());
        Assert.Equal(["StartUnit xcatdb.service replace"], systemd.Jobs());
        Assert.Equal(0, Run.Agent(Agent, "monitor", p, new(env) { ["OCF_CHECK_LEVEL"] = "10" }).Code);
        var stop = Run.Agent(Agent, "stop", p, env, wrapper: Strace("stop"));
        Assert.True(stop.Code == 0, stop.ToString());
        foreach (var action in new[] { "start", "stop" })
            Assert.DoesNotContain(File.ReadAllLines($"{trace}.{action}"), l => l.Contains("execve(") && l.Contains("systemctl"));
        Assert.Contains("systemd stopped xcatdb.service", stop.Stderr);
        Assert.Equal(["StartUnit xcatdb.service replace", "StopUnit xcatdb.service replace"], systemd.Jobs());
        Assert.Empty(pg.Holders());
        Assert.Null(pg.ServerPid);
    }

    [Fact]
    public void Start_runs_the_server_from_the_shared_data_directory_and_stop_leaves_nothing_holding_it()
    {
        Assert.Equal(7, Do("monitor").Code);
        var start = Do("start");
        Assert.True(start.Code == 0, start.ToString());
        Assert.NotNull(pg.ServerPid);
        Assert.Contains(pg.ServerPid!.Value, pg.Holders());
        Assert.Equal(0, Do("monitor").Code);
        var deep = Do("monitor", level: 10);
        Assert.True(deep.Code == 0, deep.ToString());
        Assert.Equal(0, Do("start").Code);

        var stop = Do("stop");
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.Empty(pg.Holders());
        Assert.Null(pg.ServerPid);
        Assert.Equal(7, Do("monitor").Code);
        Assert.Equal(0, Do("stop").Code);
    }

    [Fact]
    public void A_server_killed_with_SIGKILL_is_noticed_by_monitor_and_start_recovers_the_database()
    {
        Assert.Equal(0, Do("start").Code);
        var pid = pg.ServerPid!.Value;
        System.Diagnostics.Process.GetProcessById(pid).Kill();
        Assert.True(SpinWait.SpinUntil(() => Do("monitor").Code != 0, TimeSpan.FromSeconds(10)));
        var start = Do("start");
        Assert.True(start.Code == 0, start.ToString());
        Assert.NotEqual(pid, pg.ServerPid);
        Assert.Equal(0, Do("monitor", level: 10).Code);
    }

    [Fact]
    public void A_data_directory_that_vanishes_under_the_running_server_fails_monitor_and_stop_still_stops_that_server()
    {
        Assert.Equal(0, Do("start").Code);
        var pid = pg.ServerPid!.Value;
        var away = pg.DataDir + ".away";
        Directory.Move(pg.DataDir, away);
        try
        {
            var monitor = Do("monitor");
            Assert.Equal(1, monitor.Code);
            Assert.Contains($"vanished under the running {pg.ServerName} (pid {pid})", monitor.Stderr);
            var stop = Do("stop");
            Assert.True(stop.Code == 0, stop.ToString());
            Assert.False(File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ"), $"pid {pid} still runs");
        }
        finally { Directory.Move(away, pg.DataDir); }
        Assert.Equal(7, Do("monitor").Code);
    }

    private AgentResult Hooked(string action, string envName, int value) =>
        Run.Agent(Built.WithHooks("xcatdb"), action, pg.Params(), new() { [envName] = value.ToString() });

    private int Boundaries(string action)
    {
        var r = Run.Agent(Built.WithHooks("xcatdb"), action, pg.Params(), new() { ["OCFAGENTS_CRASH_TRACE"] = "1" });
        Assert.True(r.Code == 0, r.ToString());
        return r.Stderr.Split('\n').Count(l => l.StartsWith("crash-point ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_start_killed_at_any_step_converges_on_start_again_with_one_server()
    {
        var starts = Boundaries("start");
        Assert.Equal(0, Do("stop").Code);
        Assert.True(starts >= 2, $"only {starts} crash points in start");
        for (var b = 1; b <= starts; b++)
        {
            var killed = Hooked("start", "OCFAGENTS_CRASH_AT", b);
            Assert.True(killed.Killed, $"start was not killed at step {b}: {killed}");
            var again = Do("start");
            Assert.True(again.Code == 0, $"step {b}: {again}");
            Assert.Equal(0, Do("monitor", level: 10).Code);
            Assert.Single(pg.Holders(), pid => pid == pg.ServerPid);
            Assert.Equal(0, Do("stop").Code);
            Assert.Empty(pg.Holders());
        }
    }

    [Fact]
    public void A_stop_killed_at_any_step_converges_on_stop_again_with_nothing_left()
    {
        Assert.Equal(0, Do("start").Code);
        var stops = Boundaries("stop");
        Assert.True(stops >= 2, $"only {stops} crash points in stop");
        for (var b = 1; b <= stops; b++)
        {
            Assert.Equal(0, Do("start").Code);
            var killed = Hooked("stop", "OCFAGENTS_CRASH_AT", b);
            Assert.True(killed.Killed, $"stop was not killed at step {b}: {killed}");
            var again = Do("stop");
            Assert.True(again.Code == 0, $"step {b}: {again}");
            Assert.Empty(pg.Holders());
            Assert.Null(pg.ServerPid);
            Assert.Equal(7, Do("monitor").Code);
        }
    }

    [Fact]
    public void Ocf_tester_passes_against_the_real_server()
    {
        var argv = new List<string> { "ocf-tester", "-n", "xcatdb" };
        foreach (var (k, v) in pg.Params()) argv.AddRange(["-o", $"{k}={v}"]);
        argv.Add(Agent);
        var r = Run.Command(argv, limit: TimeSpan.FromMinutes(5));
        Assert.True(r.Code == 0, r.Stdout + r.Stderr);
        // ocf-tester ends on migrate_from, with the server running: it must stop cleanly from there.
        Assert.Equal(0, Do("stop").Code);
        Assert.Empty(pg.Holders());
    }

    [Fact]
    public void Migrate_to_stops_and_verifies_before_migrate_from_starts_again()
    {
        Assert.Equal(0, Do("start").Code);
        var to = Run.Agent(Agent, "migrate_to", pg.Params(), env: new() { ["OCF_RESKEY_CRM_meta_migrate_target"] = "node2", ["OCF_RESKEY_CRM_meta_migrate_source"] = "node1" });
        Assert.True(to.Code == 0, to.ToString());
        Assert.Empty(pg.Holders());
        var from = Run.Agent(Agent, "migrate_from", pg.Params(), env: new() { ["OCF_RESKEY_CRM_meta_migrate_target"] = "node2", ["OCF_RESKEY_CRM_meta_migrate_source"] = "node1" });
        Assert.True(from.Code == 0, from.ToString());
        Assert.Equal(0, Do("monitor", level: 10).Code);
    }

    [Fact]
    public void A_changed_password_is_reported_at_depth_10_as_refused_credentials()
    {
        Assert.Equal(0, Do("start").Code);
        pg.WriteCfgloc("not-the-password");
        var r = Do("monitor", level: 10);
        Assert.Equal(1, r.Code);
        Assert.Contains($"{pg.EngineName} refuses the credentials of", r.ExitReason);
        Assert.DoesNotContain("not-the-password", r.Stderr);
        Assert.Equal(0, Do("monitor").Code);
    }

    [Fact]
    public void A_database_without_a_site_table_is_reported_as_not_an_xCAT_database()
    {
        Assert.Equal(0, Do("start").Code);
        var other = pg.DatabaseWithoutSite;
        pg.WriteCfgloc(DatabaseFixture.XcatPassword, db: other);
        var r = Do("monitor", level: 10);
        Assert.Equal(1, r.Code);
        Assert.True(r.Stderr.Contains($"database {other} has no site table"), r.ToString());
    }

    /// <summary>Found end to end: cfgloc vanishing with the shared storage used to make every stop fail (and the node get fenced).</summary>
    [Fact]
    public void A_server_whose_cfgloc_vanished_is_reported_as_not_configured_and_still_stops()
    {
        Assert.Equal(0, Do("start").Code);
        File.Move(pg.Cfgloc, pg.Cfgloc + ".away");
        try
        {
            Assert.Equal(6, Do("monitor").Code);
            var stop = Do("stop");
            Assert.True(stop.Code == 0, stop.ToString());
            Assert.Empty(pg.Holders());
        }
        finally { File.Move(pg.Cfgloc + ".away", pg.Cfgloc); }
    }

    [Fact]
    public void An_engine_that_disagrees_with_cfgloc_is_not_configured_and_both_sides_are_quoted()
    {
        var r = Do("start", pg.Params(("engine", "sqlite")));
        Assert.Equal(6, r.Code);
        Assert.StartsWith("engine=sqlite but ", r.ExitReason);
        Assert.Contains($"engine=sqlite but {pg.Cfgloc} says {pg.Driver}:dbname=xcatdb;host=127.0.0.1;port={pg.Port}; set engine={pg.Engine}", r.Stderr);
        Assert.DoesNotContain(DatabaseFixture.XcatPassword, r.Stderr);
        Assert.Empty(pg.Holders());
    }

    [Theory]
    [InlineData("bindir", "/nonexistent/bin", 5, "/nonexistent/bin/SERVER does not exist")]
    [InlineData("user", "no-such-user", 5, "run-as user 'no-such-user' does not exist")]
    [InlineData("datadir", "/nonexistent/pgdata", 5, "data directory /nonexistent/pgdata does not exist")]
    [InlineData("shared_root", "/srv", 6, "not on shared_root /srv")]
    public void Bad_input_is_refused_before_anything_starts_with_the_documented_code(string key, string value, int code, string reason)
    {
        reason = reason.Replace("SERVER", pg.ServerName == "mariadbd" ? "mysqld" : pg.ServerName);
        var r = Do("start", pg.Params((key, value)));
        Assert.Equal(code, r.Code);
        Assert.Contains(reason, r.ExitReason);
        Assert.Empty(pg.Holders());
    }

    [Fact]
    public void A_port_taken_by_another_program_is_refused_naming_the_port()
    {
        var port = DatabaseFixture.FreeTcpPort();
        var other = new TcpListener(IPAddress.Loopback, port);
        other.Start();
        try
        {
            var r = Do("start", pg.Params(("port", port.ToString())));
            Assert.Equal(1, r.Code);
            Assert.Contains($"port {port} on 127.0.0.1 is in use by pid {Environment.ProcessId} (", r.Stderr);
            Assert.Empty(pg.Holders());
        }
        finally { other.Stop(); }
    }

    [Fact]
    public void A_stale_pid_file_naming_another_program_is_replaced_and_that_program_is_left_alone()
    {
        using var other = System.Diagnostics.Process.Start("sleep", "60");
        File.WriteAllText(pg.PidFile, $"{other.Id}\n{pg.DataDir}\n");
        var r = Do("start");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains($"pid {other.Id} is sleep, not a {pg.ServerName}", r.Stderr);
        Assert.NotEqual(other.Id, pg.ServerPid);
        Assert.False(other.HasExited);
        other.Kill();
    }

    [Fact]
    public async Task The_cfgloc_password_never_appears_on_a_command_line_while_depth_10_runs()
    {
        Assert.Equal(0, Do("start").Code);
        var done = false;
        // Scans that read the health query's client (psql or mariadb running the site query)
        // while it ran: only those prove the scan overlapped the child that holds the password.
        var sawClient = 0;
        var scanner = Task.Run(() =>
        {
            while (!Volatile.Read(ref done))
            {
                foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => char.IsDigit(Path.GetFileName(d)[0])))
                {
                    try
                    {
                        var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                        Assert.DoesNotContain("cl|us:t", cmdline);
                        if (cmdline.Contains("xcatdport", StringComparison.Ordinal)) Interlocked.Increment(ref sawClient);
                    }
                    catch (IOException) { }
                }
            }
        });
        for (var i = 0; i < 20; i++)
        {
            var r = Do("monitor", level: 10);
            Assert.True(r.Code == 0, r.ToString());
            Assert.DoesNotContain("cl|us:t", r.Stderr);
        }
        Volatile.Write(ref done, true);
        await scanner;
        Assert.True(sawClient > 0, "no scan of /proc saw the database client running: nothing was proven");
    }
    // Both engines' classes plant in the one /tmp/ocf-xcatdb: one at a time.
    private static readonly object SharedTmp = new();

    /// <summary>
    /// The attack on the old credentials file: a local user creates /tmp/ocf-xcatdb first (0777,
    /// theirs) and plants, under every name the next agent runs could use, symlinks to a
    /// root-owned file and 0666 files of their own. Depth-10 monitors must leave the root file
    /// as it was and write the password into nothing the user can read.
    /// </summary>
    [Fact]
    public void A_credentials_directory_planted_in_tmp_by_another_user_is_never_written_into()
    {
        Assert.Equal(0, Do("start").Code);
        var victim = Path.Combine(pg.Root, "root-owned-victim");
        File.WriteAllText(victim, "root's data\n");
        lock (SharedTmp)
        {
            const string planted = "/tmp/ocf-xcatdb";
            if (Directory.Exists(planted)) Directory.Delete(planted, recursive: true);
            Directory.CreateDirectory(planted);
            try
            {
                var next = int.Parse(File.ReadAllText("/proc/sys/kernel/ns_last_pid").Trim());
                for (var pid = next + 1; pid < next + 3000; pid++)
                {
                    var name = Path.Combine(planted, $"credentials.{pid}");
                    if (pid % 2 == 0) File.CreateSymbolicLink(name, victim);
                    else { File.WriteAllText(name, ""); File.SetUnixFileMode(name, (UnixFileMode)0b110_110_110); }
                }
                Run.Command(["chown", "-hR", "nobody:nogroup", planted]);
                File.SetUnixFileMode(planted, (UnixFileMode)0b111_111_111);

                for (var i = 0; i < 3; i++)
                {
                    var r = Do("monitor", level: 10);
                    Assert.True(r.Code == 0, r.ToString());
                }
                Assert.Equal("root's data\n", File.ReadAllText(victim));
                foreach (var f in Directory.EnumerateFiles(planted))
                    if (!File.ResolveLinkTarget(f, false)?.FullName.Equals(victim) ?? true)
                        Assert.DoesNotContain("cl|us", File.ReadAllText(f));
            }
            finally { Directory.Delete(planted, recursive: true); }
        }
    }

    [Fact]
    public void A_state_directory_others_can_write_is_refused_naming_it_and_the_fix()
    {
        var state = Path.Combine(pg.Root, "state-0777");
        Directory.CreateDirectory(state);
        File.SetUnixFileMode(state, (UnixFileMode)0b111_111_111);
        var r = Do("start", pg.Params(("state_dir", state)));
        Assert.Equal(1, r.Code);
        Assert.Contains($"state directory {state} has mode 0777", r.ExitReason);
        Assert.Contains("remove it", r.Stderr);
        Directory.Delete(state);
    }
    /// <summary>
    /// A probe must not write into the server's log: admins alert on FATAL and ERROR lines, and a
    /// depth-0 monitor runs every 10 s. 100 monitors add nothing (a checkpoint the server logs on
    /// its own schedule is the one line allowed to appear meanwhile).
    /// </summary>
    [Fact]
    public void A_hundred_depth_0_monitors_add_no_line_to_the_servers_log()
    {
        Assert.Equal(0, Do("start").Code);
        Assert.Equal(0, Do("monitor").Code);
        var before = File.ReadAllLines(pg.LogFile).Length;
        for (var i = 0; i < 100; i++)
        {
            var r = Do("monitor");
            Assert.True(r.Code == 0, r.ToString());
        }
        var added = File.ReadAllLines(pg.LogFile).Skip(before).Where(l => !l.Contains("checkpoint", StringComparison.Ordinal)).ToList();
        Assert.True(added.Count == 0, string.Join("\n", added));
    }
}
