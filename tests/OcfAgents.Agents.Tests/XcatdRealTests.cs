using System.Text.RegularExpressions;
using System.Diagnostics;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// ocf:xcat:xcatd against the real xcatd 2.19 (SQLite tables) in a private management node:
/// what an admin would do with it, and what goes wrong on a real management node — a stop while
/// a client command runs, a listener killed with -9, another xcatd on the ports.
/// </summary>
public sealed class XcatdRealTests(RealXcat xcat) : IClassFixture<RealXcat>, IDisposable
{
    private const string LongRequest = "xcatd SSL: ocfsleep: ocfsleep instance";

    // Every test leaves the node with no xcatd: the agent's stop, then whatever a test started by hand.
    public void Dispose()
    {
        if (RealXcat.Tarball is null) return;
        xcat.Agent("stop");
        foreach (var p in xcat.Processes().Where(p => p.Title.StartsWith("xcatd", StringComparison.Ordinal) || p.Title.Contains("ocfsleep")))
            xcat.Exec(["kill", "-KILL", p.Pid.ToString()]);
    }

    private static Dictionary<string, string> Timeout(int ms) => new() { ["OCF_RESKEY_CRM_meta_timeout"] = ms.ToString() };

    private void AssertNothingOfXcatdLeft()
    {
        var left = xcat.Processes();
        Assert.DoesNotContain(left, p => p.Title.StartsWith("xcatd", StringComparison.Ordinal));
        Assert.DoesNotContain(left, p => p.State == 'T');
        Assert.DoesNotContain(left, p => p.Title.StartsWith("sleep 300", StringComparison.Ordinal));
        Assert.False(xcat.Listening(3001), "port 3001 still listening");
        Assert.False(xcat.Listening(3002), "port 3002 still listening");
    }

    /// <summary>A client running the long command, once its plugin runs in xcatd.</summary>
    private Process RequestInFlight()
    {
        var client = xcat.Spawn(["ocfsleep"]);
        Assert.True(Poll.Until(() => xcat.Processes().Any(p => p.Title.StartsWith(LongRequest, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)), "the long request never reached its plugin");
        return client;
    }

    [RealXcatFact]
    public void The_life_cycle_against_the_real_xcatd_answers_as_Pacemaker_expects()
    {
        Assert.Equal(7, xcat.Agent("monitor").Code);
        var start = xcat.Agent("start");
        Assert.True(start.Code == 0, start.ToString());
        Assert.Equal(0, xcat.Agent("monitor").Code);
        var deep = xcat.Agent("monitor", env: new() { ["OCF_CHECK_LEVEL"] = "10" });
        Assert.True(deep.Code == 0, deep.ToString());
        Assert.Equal(0, xcat.Agent("start").Code);
        Assert.Equal("Version 2.19.0 (git commit 7733d16f8de0fc36b80638c04a7033931fa13304)", xcat.Exec(["lsxcatd", "-v"]).Stdout.Trim());
        var stop = xcat.Agent("stop");
        Assert.True(stop.Code == 0, stop.ToString());
        // Idle, xCAT's own shutdown: TERM to the listener alone, as its init script sends it.
        Assert.True(Regex.IsMatch(stop.Stderr, @"stopping xcatd: SIGTERM to its SSL listener \(pid \d+\)") && !stop.Stderr.Contains("process group"), stop.Stderr);
        Assert.Equal(0, xcat.Agent("stop").Code);
        Assert.Equal(7, xcat.Agent("monitor").Code);
        AssertNothingOfXcatdLeft();
    }

    /// <summary>
    /// xcatd is one static executable with OpenSSL linked in (Directory.Build.props): no
    /// program interpreter, and against the real xcatd no action — meta-data, validate-all,
    /// monitor at depth 0 and at depth 10 over TLS, stop — opens a shared object. (start is left
    /// out: it runs xcatd, Perl, which loads its own.)
    /// </summary>
    [RealXcatFact]
    public void Xcatd_is_one_static_executable_that_loads_no_shared_library_in_any_action_against_the_real_xcatd()
    {
        var binary = Built.Release("xcatd");
        var headers = Run.Command(["readelf", "--program-headers", "--wide", binary]);
        Assert.True(headers.Code == 0, headers.ToString());
        Assert.DoesNotContain("INTERP", headers.Stdout);
        Assert.DoesNotContain("DYNAMIC", headers.Stdout);

        Assert.Equal(0, xcat.Agent("start").Code);
        foreach (var (action, depth, i) in new[] { ("meta-data", "0", 0), ("validate-all", "0", 1), ("monitor", "0", 2), ("monitor", "10", 3), ("stop", "0", 4) })
        {
            var trace = Path.Combine(xcat.Dir, $"strace.{i}");
            var r = xcat.Exec(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", trace,
                "-E", "OCF_ROOT=/usr/lib/ocf", "-E", "OCF_RESOURCE_INSTANCE=xcatd", "-E", $"OCF_CHECK_LEVEL={depth}", binary, action]);
            Assert.True(r.Code == 0, $"{action} (depth {depth}): {r}");
            var opened = File.ReadAllLines(trace).Where(l => l.Contains(".so", StringComparison.Ordinal)).ToList();
            Assert.True(opened.Count == 0, $"{action} (depth {depth}) opened: {string.Join("\n", opened)}");
        }
        AssertNothingOfXcatdLeft();
    }

    [RealXcatFact]
    public void Migrate_to_then_migrate_from_hands_the_real_xcatd_over()
    {
        Assert.Equal(0, xcat.Agent("start").Code);
        var to = xcat.Agent("migrate_to", env: new() { ["OCF_RESKEY_CRM_meta_migrate_source"] = "mn1", ["OCF_RESKEY_CRM_meta_migrate_target"] = "mn2" });
        Assert.True(to.Code == 0, to.ToString());
        Assert.Equal(7, xcat.Agent("monitor").Code);
        var from = xcat.Agent("migrate_from", env: new() { ["OCF_RESKEY_CRM_meta_migrate_source"] = "mn1", ["OCF_RESKEY_CRM_meta_migrate_target"] = "mn2" });
        Assert.True(from.Code == 0, from.ToString());
        Assert.Equal(0, xcat.Agent("monitor", env: new() { ["OCF_CHECK_LEVEL"] = "10" }).Code);
    }

    /// <summary>
    /// The stop that used to fence the management node: a 300 s request (rinstall, copycds…) in
    /// flight. Stop exits 0 within its timeout, and nothing titled xcatd in any form, nothing in
    /// state T, no plugin command, no listening port is left.
    /// </summary>
    [RealXcatFact]
    public void A_stop_with_a_300_s_request_in_flight_exits_0_within_the_stop_timeout_and_leaves_nothing()
    {
        Assert.Equal(0, xcat.Agent("start").Code);
        using var client = RequestInFlight();
        var clock = Stopwatch.StartNew();
        var stop = xcat.Agent("stop", env: Timeout(60_000));
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"stop took {clock.Elapsed}");
        // The listener alone would wait for the request without limit: its process group.
        Assert.True(Regex.IsMatch(stop.Stderr, $@"stopping xcatd, 1 request\(s\) in flight \(\d+ '{LongRequest}'\): SIGTERM to its SSL listener's process group"), stop.Stderr);
        AssertNothingOfXcatdLeft();
        Assert.True(client.WaitForExit(TimeSpan.FromSeconds(30)), "the client still waits for an xcatd that is gone");
    }

    [RealXcatFact]
    public void After_kill_9_of_the_listener_with_a_request_running_monitor_names_the_leftovers_and_stop_leaves_nothing()
    {
        Assert.Equal(0, xcat.Agent("start").Code);
        using var client = RequestInFlight();
        var listener = xcat.Exec(["cat", "/var/run/xcatd.pid"]).Stdout.Trim();
        Assert.Equal(0, xcat.Exec(["kill", "-KILL", listener]).Code);
        // kill(2) returns before the process is gone: wait until the node's init has reaped it.
        Assert.True(Poll.Until(() => xcat.Processes().All(p => p.Pid.ToString() != listener), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50)));
        var monitor = xcat.Agent("monitor");
        Assert.Equal(1, monitor.Code);
        Assert.Contains("xcatd's SSL listener is gone but its processes remain", monitor.ExitReason);
        Assert.Contains(LongRequest, monitor.Stderr);
        var stop = xcat.Agent("stop", env: Timeout(60_000));
        Assert.True(stop.Code == 0, stop.ToString());
        AssertNothingOfXcatdLeft();
        Assert.Equal(7, xcat.Agent("monitor").Code);
    }

    /// <summary>An xcatd an admin started by hand with its own pid file holds the ports.</summary>
    [RealXcatFact]
    public void Another_xcatd_with_its_own_pid_file_fails_start_and_stop_naming_it_and_is_left_running()
    {
        Assert.Equal(0, xcat.Exec(["sh", "-c", "xcatd -p /var/run/xcatd-by-hand.pid > /var/log/xcatd-by-hand.log 2>&1"]).Code);
        Assert.True(Poll.Until(() => xcat.Listening(3001), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100)), "the hand-started xcatd never listened");
        Assert.Equal(7, xcat.Agent("monitor").Code);
        var start = xcat.Agent("start");
        Assert.Equal(1, start.Code);
        Assert.Contains("port 3001 (xcatd's client port) is in use by pid", start.ExitReason);
        var stop = xcat.Agent("stop");
        Assert.Equal(1, stop.Code);
        Assert.Contains("port 3001 is held by an xcatd this resource did not start", stop.ExitReason);
        Assert.Contains(xcat.Processes(), p => p.Title.StartsWith("xcatd: SSL listener", StringComparison.Ordinal));
    }

    [RealXcatFact]
    public void A_port_held_by_another_program_fails_start_naming_it()
    {
        using var holder = xcat.Spawn(["python3", "-c", "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 3001)); s.listen(); time.sleep(120)"]);
        Assert.True(Poll.Until(() => xcat.Listening(3001), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50)));
        var start = xcat.Agent("start");
        Assert.Equal(1, start.Code);
        Assert.Contains("port 3001 (xcatd's client port) is in use by pid", start.ExitReason);
        Assert.Contains("python3", start.ExitReason);
        holder.Kill(true);
    }

    [RealXcatFact]
    public void A_dangling_config_dir_is_not_installed_here()
    {
        Assert.Equal(0, xcat.Exec(["ln", "-sfn", "/HA-data/etc/xcat", "/etc/xcat-dangling"]).Code);
        var start = xcat.Agent("start", new() { ["config_dir"] = "/etc/xcat-dangling" });
        Assert.Equal(5, start.Code);
        Assert.Contains("/etc/xcat-dangling is a dangling symlink", start.ExitReason);
    }

    /// <summary>
    /// post_start runs xCAT's own commands against the started xcatd, once: a start that finds
    /// xcatd running after they completed does not repeat them.
    /// </summary>
    [RealXcatFact]
    public void Post_start_runs_xCATs_own_commands_against_the_real_xcatd_once_per_started_xcatd()
    {
        var p = new Dictionary<string, string> { ["post_start"] = "lsxcatd -v; tabdump site" };
        var start = xcat.Agent("start", p);
        Assert.True(start.Code == 0, start.ToString());
        Assert.Contains("post_start: lsxcatd: Version 2.19.0", start.Stderr);
        Assert.Contains("post_start: tabdump: \"xcatdport\",\"3001\"", start.Stderr);
        Assert.Contains("post_start: 2 of 2 commands succeeded", start.Stderr);
        var again = xcat.Agent("start", p);
        Assert.Equal(0, again.Code);
        Assert.DoesNotContain("post_start: running", again.Stderr);
    }

    /// <summary>
    /// A post_start command xCAT refuses (makeconservercf for a node the tables no longer have)
    /// fails as it would on such a node: with post_start_failure=warn xcatd stays up and the
    /// warning quotes xCAT; with fail the start fails naming the command.
    /// </summary>
    [RealXcatFact]
    public void A_failing_post_start_command_warns_by_default_and_fails_the_start_when_asked()
    {
        var warn = xcat.Agent("start", new() { ["post_start"] = "makeconservercf gone01" });
        Assert.True(warn.Code == 0, warn.ToString());
        Assert.Contains("WARNING: post_start command 'makeconservercf gone01' ", warn.Stderr);
        Assert.Contains("Invalid nodes and/or groups in noderange: gone01", warn.Stderr);
        Assert.Equal(0, xcat.Agent("stop").Code);

        var fail = xcat.Agent("start", new() { ["post_start"] = "makeconservercf gone01", ["post_start_failure"] = "fail" });
        Assert.Equal(1, fail.Code);
        Assert.Contains("makeconservercf gone01", fail.ExitReason);
    }

    /// <summary>
    /// A client certificate xCAT's CA did not sign: the real xcatd ends the session with a TLS
    /// alert after the handshake (it used to reach the admin as a runtime key, then as "internal
    /// error (SslException)"). Said as what it is, naming the certificate and the fix.
    /// </summary>
    [RealXcatFact]
    public void A_client_certificate_xcatd_rejects_fails_depth_10_in_words_naming_it()
    {
        Assert.Equal(0, xcat.Agent("start").Code);
        var key = Path.Combine(xcat.Dir, "rogue-key.pem");
        var cert = Path.Combine(xcat.Dir, "rogue.pem");
        Assert.Equal(0, Run.Command(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=root"]).Code);
        var cred = Path.Combine(xcat.Dir, "rogue-cred.pem");
        File.WriteAllText(cred, File.ReadAllText(cert) + File.ReadAllText(key));
        var deep = xcat.Agent("monitor", new() { ["client_cert"] = cred }, new() { ["OCF_CHECK_LEVEL"] = "10" });
        Assert.Equal(1, deep.Code);
        // xcatd's alert and its close race each other: either is said as the certificate's refusal.
        Assert.True(deep.Stderr.Contains($"our client certificate {cred}") && deep.Stderr.Contains("it must be signed by xCAT's CA"), deep.Stderr);
        Assert.DoesNotContain("internal error", deep.Stderr);
        Assert.DoesNotMatch(@"\bnet_[a-z_]+\b", deep.Stderr);
    }

    /// <summary>The crash points one run of <paramref name="action"/> passes (the hooks build reports each).</summary>
    private List<string> Boundaries(string action, Dictionary<string, string> p)
    {
        var r = xcat.Agent(action, p, new() { ["OCFAGENTS_CRASH_TRACE"] = "1" }, Built.WithHooks("xcatd"));
        Assert.True(r.Code == 0, r.ToString());
        return r.Stderr.Split('\n').Where(l => l.StartsWith("crash-point ", StringComparison.Ordinal)).ToList();
    }

    private void KillAt(string action, int boundary, Dictionary<string, string> p, List<string> points)
    {
        var r = xcat.Agent(action, p, new() { ["OCFAGENTS_CRASH_AT"] = boundary.ToString() }, Built.WithHooks("xcatd"));
        Assert.True(r.Killed, $"{action} was not killed at step {boundary} of {string.Join(" / ", points)}: {r}");
    }

    private int Listeners() => xcat.Processes().Count(p => p.Title.StartsWith("xcatd: SSL listener", StringComparison.Ordinal));

    /// <summary>
    /// The crash matrix against the real xcatd: start SIGKILLed at each of its steps (launcher
    /// spawned, recorded, listener recorded, post_start run), then start again: one xcatd, answering
    /// at depth 10, its post_start run; then stop leaves nothing.
    /// </summary>
    [RealXcatFact]
    public void A_start_killed_at_any_step_converges_on_start_again_with_one_real_xcatd()
    {
        var p = new Dictionary<string, string> { ["post_start"] = "lsxcatd -v" };
        // Counted from the state every round starts in: a start and a stop by the agent (a stop
        // that finds nothing running leaves a stale pid file for the next start to remove).
        Assert.Equal(0, xcat.Agent("start", p).Code);
        Assert.Equal(0, xcat.Agent("stop", p).Code);
        var points = Boundaries("start", p);
        Assert.True(points.Count >= 3, $"only {points.Count} crash points in start");
        Assert.Equal(0, xcat.Agent("stop", p).Code);
        for (var b = 1; b <= points.Count; b++)
        {
            KillAt("start", b, p, points);
            var again = xcat.Agent("start", p);
            Assert.True(again.Code == 0, $"step {b}: {again}");
            Assert.Equal(0, xcat.Agent("monitor", p, new() { ["OCF_CHECK_LEVEL"] = "10" }).Code);
            Assert.Equal(1, Listeners());
            var stop = xcat.Agent("stop", p);
            Assert.True(stop.Code == 0, $"step {b}: {stop}");
            AssertNothingOfXcatdLeft();
        }
    }

    [RealXcatFact]
    public void A_stop_killed_at_any_step_converges_on_stop_again_with_nothing_of_the_real_xcatd_left()
    {
        Assert.Equal(0, xcat.Agent("start").Code);
        var points = Boundaries("stop", []);
        Assert.True(points.Count >= 2, $"only {points.Count} crash points in stop");
        for (var b = 1; b <= points.Count; b++)
        {
            Assert.Equal(0, xcat.Agent("start").Code);
            using var client = RequestInFlight();
            KillAt("stop", b, [], points);
            var again = xcat.Agent("stop");
            Assert.True(again.Code == 0, $"step {b}: {again}");
            AssertNothingOfXcatdLeft();
            Assert.Equal(7, xcat.Agent("monitor").Code);
        }
    }

    /// <summary>xcatd logs each request with its client type; the depth-10 check reads like xCAT's own CLI there.</summary>
    [RealXcatFact]
    public void The_depth_10_check_is_logged_by_xcatd_as_a_request_of_xCATs_own_command_line_client()
    {
        Assert.Equal(0, xcat.Agent("start").Code);
        Assert.Equal(0, xcat.Agent("monitor", env: new() { ["OCF_CHECK_LEVEL"] = "10" }).Code);
        // xcatd's "Command log writer" appends on its own schedule: wait for the entry.
        var log = "";
        Assert.True(Poll.Until(() => (log = xcat.Exec(["cat", "/var/log/xcat/commands.log"]).Stdout).Contains("[ClientType]", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200)), $"no request in commands.log:\n{log}");
        var last = log[log.LastIndexOf("[ClientType]", StringComparison.Ordinal)..];
        Assert.StartsWith("[ClientType] cli", last);
        Assert.Contains("[Request]    lsxcatd -v", last);
    }

    /// <summary>
    /// Without xcatdport in site, xcatd prints its ERROR line and then Perl's "Died at … line 201":
    /// the reason is the ERROR line.
    /// </summary>
    [RealXcatFact]
    public void A_site_table_without_xcatdport_fails_start_with_xcatds_own_ERROR_line()
    {
        Assert.Equal(0, xcat.Exec(["env", "XCATBYPASS=1", "chtab", "-d", "key=xcatdport", "site"]).Code);
        try
        {
            var start = xcat.Agent("start");
            Assert.Equal(1, start.Code);
            Assert.Contains("ERROR: Need xcatdport defined in site table", start.ExitReason);
            Assert.DoesNotContain("Died at", start.Stderr);
        }
        finally { xcat.Exec(["env", "XCATBYPASS=1", "chtab", "key=xcatdport", "site.value=3001"]); }
    }

    /// <summary>
    /// A cfgloc naming a database nobody serves: xcatd waits for it (its launcher's output used
    /// to stay in Perl's buffer, and the reason quoted whatever an earlier run left at the end of
    /// the console log). The reason is this start's line.
    /// </summary>
    [RealXcatFact]
    public void A_database_that_does_not_answer_fails_start_quoting_this_runs_line_not_an_older_one()
    {
        xcat.Exec(["sh", "-c", "echo 'a line an earlier run left behind' >> /var/log/xcatd.console.log"]);
        Assert.Equal(0, xcat.Exec(["sh", "-c", "echo 'Pg:dbname=xcatdb;host=127.0.0.1|xcatadm|secret' > /etc/xcat/cfgloc"]).Code);
        try
        {
            var start = xcat.Agent("start", env: Timeout(20_000));
            Assert.Equal(1, start.Code);
            Assert.StartsWith("xcatd still waits for its database at the start timeout (Can not open basic site table", start.ExitReason);
            Assert.DoesNotContain("an earlier run", start.Stderr);
            Assert.DoesNotContain(xcat.Processes(), p => p.Title.StartsWith("xcatd", StringComparison.Ordinal) || p.Title.Contains("/opt/xcat/sbin/xcatd"));
        }
        finally { xcat.Exec(["rm", "-f", "/etc/xcat/cfgloc"]); }
    }

    /// <summary>
    /// xcatd never removes /var/run/xcat/mainservice.pid, and signals the pid in it when it cannot
    /// bind its port. Start removes one that names no xcatd — here an unrelated running program.
    /// </summary>
    [RealXcatFact]
    public void A_stale_mainservice_pid_naming_another_program_is_removed_before_start_and_that_program_is_left_alone()
    {
        using var bystander = xcat.Spawn(["sleep", "600"]);
        var pid = "";
        Assert.True(Poll.Until(() => (pid = xcat.Exec(["pgrep", "-x", "sleep"]).Stdout.Trim().Split('\n')[0]).Length > 0,
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50)));
        Assert.Equal(0, xcat.Exec(["sh", "-c", $"mkdir -p /var/run/xcat && echo {pid} > /var/run/xcat/mainservice.pid"]).Code);
        var start = xcat.Agent("start");
        Assert.True(start.Code == 0, start.ToString());
        Assert.Contains($"removed stale /var/run/xcat/mainservice.pid (pid {pid} is no xcatd)", start.Stderr);
        Assert.Contains(xcat.Processes(), p => p.Pid.ToString() == pid);
        bystander.Kill(true);
    }
}

/// <summary>ocf:xcat:xcatd against the real xcatd 2.19 whose tables are in PostgreSQL 15 (cfgloc).</summary>
public sealed class XcatdRealPostgresTests(RealXcatOnPostgres xcat) : XcatdRealDatabaseTests(xcat, "PostgreSQL"), IClassFixture<RealXcatOnPostgres>;

/// <summary>ocf:xcat:xcatd against the real xcatd 2.19 whose tables are in MariaDB 10.11 (cfgloc).</summary>
public sealed class XcatdRealMariaDbTests(RealXcatOnMariaDb xcat) : XcatdRealDatabaseTests(xcat, "MariaDB/MySQL"), IClassFixture<RealXcatOnMariaDb>;

/// <summary>What the real xcatd on a database server must show, asserted the same way for each engine.</summary>
public abstract class XcatdRealDatabaseTests(RealXcat xcat, string engine) : IDisposable
{
    public void Dispose()
    {
        GC.SuppressFinalize(this);
        if (RealXcat.Tarball is null) return;
        xcat.Agent("stop");
    }

    [RealXcatFact]
    public void The_real_xcatd_on_a_database_server_starts_answers_at_depth_10_and_stops()
    {
        Assert.Equal(7, xcat.Agent("monitor").Code);
        var start = xcat.Agent("start");
        Assert.True(start.Code == 0, start.ToString());
        var deep = xcat.Agent("monitor", env: new() { ["OCF_CHECK_LEVEL"] = "10" });
        Assert.True(deep.Code == 0, deep.ToString());
        Assert.Equal(0, xcat.Agent("stop").Code);
        Assert.Equal(7, xcat.Agent("monitor").Code);
    }

    /// <summary>
    /// The database stopped under a running xcatd: xcatd still holds its port (depth 0 passes) but
    /// refuses every request; depth 10 fails naming the database from cfgloc, and passes again
    /// once the database is back.
    /// </summary>
    [RealXcatFact]
    public void The_database_going_down_under_a_running_xcatd_fails_depth_10_naming_the_database()
    {
        Assert.Equal(0, xcat.Agent("start").Code);
        xcat.StopDatabase();
        try
        {
            Assert.Equal(0, xcat.Agent("monitor").Code);
            var deep = xcat.Agent("monitor", env: new() { ["OCF_CHECK_LEVEL"] = "10" });
            Assert.Equal(1, deep.Code);
            Assert.Contains($"xcatd runs but its database does not ({engine} database xcatdb on 127.0.0.1, from /etc/xcat/cfgloc)", deep.Stderr);
        }
        finally { xcat.StartDatabase(); }
        Assert.True(Poll.Until(() => xcat.Agent("monitor", env: new() { ["OCF_CHECK_LEVEL"] = "10" }).Code == 0, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1)),
            "depth 10 did not pass again once the database was back");
    }
}
