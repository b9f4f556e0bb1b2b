using System.Net;
using System.Net.Sockets;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// ocf:xcat:xcatd against the xcatd stand-in (real fork, titles, TLS with client certificates),
/// for what the real xcatd is not yet run for here — XcatdRealTests covers the life cycle,
/// migration, the database wait and going down, a killed listener, ports, config_dir, post_start
/// and the crash matrices of start and stop against the real one: a start killed before it
/// recorded a launcher that waits for its database, systemd_unit, faults only a stand-in can be
/// made to produce (TERM ignored, a canned reply stream), ocf-tester and the harness.
/// </summary>
public sealed class XcatdTests : IDisposable
{
    private readonly XcatdStandIn xcatd = new();
    private static string Agent => Built.Release("xcatd");

    public void Dispose()
    {
        xcatd.Dispose();
        systemd?.Dispose();
    }

    private AgentResult Do(string action, Dictionary<string, string>? p = null, int level = 0, int timeoutMs = 20000, Dictionary<string, string>? env = null)
    {
        var e = new Dictionary<string, string> { ["OCF_RESKEY_CRM_meta_timeout"] = timeoutMs.ToString() };
        if (level > 0) e["OCF_CHECK_LEVEL"] = level.ToString();
        foreach (var (k, v) in env ?? []) e[k] = v;
        return Run.Agent(Agent, action, p ?? xcatd.Params(), env: e);
    }

    private void AssertStarted()
    {
        var r = Do("start");
        Assert.True(r.Code == 0, r.ToString());
    }

    private void AssertAllGone()
    {
        Assert.True(Deadline(() => xcatd.Processes().Count == 0), $"left behind: {string.Join(", ", xcatd.Processes().Select(p => $"{p} {XcatdStandIn.Title(p)}"))}");
        Assert.False(IsListening(xcatd.Port), $"port {xcatd.Port} still listening");
        Assert.False(IsListening(xcatd.InstallPort), $"port {xcatd.InstallPort} still listening");
    }

    private static bool Deadline(Func<bool> condition, int seconds = 10) =>
        Poll.Until(condition, TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(20));

    private static bool IsListening(int port)
    {
        using var s = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try { s.Connect(IPAddress.Loopback, port); return true; }
        catch (SocketException) { return false; }
    }

    [Fact]
    public void An_xcatd_that_ignores_TERM_is_killed_with_its_whole_process_group()
    {
        xcatd.Set("ignore_term", true);
        AssertStarted();
        Assert.Equal(4, xcatd.Processes().Count);
        var r = Do("stop", timeoutMs: 4000);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains("did not stop on SIGTERM", r.Stderr);
        AssertAllGone();
        Assert.Equal(7, Do("monitor").Code);
    }

    [Fact]
    public void A_pid_file_naming_another_live_process_is_stale_and_that_process_is_never_signalled()
    {
        using var other = System.Diagnostics.Process.Start("sleep", "300");
        File.WriteAllText(xcatd.PidFile, $"{other.Id}\n");
        Assert.Equal(7, Do("monitor").Code);
        Assert.Equal(0, Do("stop").Code);
        Assert.False(other.HasExited);

        File.WriteAllText(xcatd.PidFile, $"{other.Id}\n");
        var start = Do("start");
        Assert.True(start.Code == 0, start.ToString());
        Assert.Contains($"removed stale {xcatd.PidFile} (pid {other.Id} is 'sleep 300', not xcatd's SSL listener)", start.Stderr);
        Assert.NotEqual(other.Id, xcatd.ListenerPid);
        Assert.Equal(0, Do("stop").Code);
        Assert.False(other.HasExited);
        other.Kill();
    }

    [Fact]
    public void Monitor_notices_a_crashed_xcatd_and_start_brings_it_back()
    {
        AssertStarted();
        var first = xcatd.ListenerPid;
        xcatd.Set("die", true);
        Assert.True(Deadline(() => xcatd.Processes().Count == 0));
        Assert.Equal(7, Do("monitor").Code);
        xcatd.Set("die", false);
        AssertStarted();
        Assert.NotEqual(first, xcatd.ListenerPid);
        Assert.Equal(0, Do("monitor", level: 10).Code);
    }

    [Fact]
    public void A_missing_binary_is_not_installed()
    {
        foreach (var action in new[] { "start", "validate-all" })
        {
            var r = Do(action, xcatd.Params(("binary", "/opt/xcat/sbin/no-such-xcatd")));
            Assert.Equal(5, r.Code);
            Assert.Equal("/opt/xcat/sbin/no-such-xcatd does not exist; install xCAT (xCAT-server) or fix binary", r.ExitReason);
        }
        Assert.Equal(7, Do("monitor", xcatd.Params(("binary", "/opt/xcat/sbin/no-such-xcatd"))).Code);
    }

    [Fact]
    public void A_dangling_config_dir_is_refused_before_starting_and_xcatds_exit_2_is_explained()
    {
        var link = Path.Combine(xcatd.Root, "etc-link");
        File.CreateSymbolicLink(link, Path.Combine(xcatd.Root, "shared-not-mounted", "etc", "xcat"));
        var r = Do("start", xcatd.Params(("config_dir", link)));
        Assert.Equal(5, r.Code);
        Assert.StartsWith($"{link} is a dangling symlink", r.ExitReason);
        Assert.Contains("xcatd would exit 2 at once", r.Stderr);
        Assert.Empty(xcatd.Processes());

        // xcatd itself finds it dangling (here: the stand-in looks elsewhere): its exit 2 is named.
        xcatd.Set("etc", link);
        var started = Do("start");
        Assert.Equal(1, started.Code);
        Assert.StartsWith("xcatd exited with status 2 during start-up", started.ExitReason);
        Assert.Contains("is a dangling symbolic link", started.Stderr);
        AssertAllGone();
    }

    [Fact]
    public void Unreadable_client_credentials_are_not_installed_and_a_wrong_CA_fails_depth_10_naming_it()
    {
        var r = Do("validate-all", xcatd.Params(("client_cert", "/root/.xcat/none.pem")));
        Assert.Equal(5, r.Code);
        Assert.Equal("client_cert /root/.xcat/none.pem does not exist (xCAT's credentials; is /root/.xcat shared and active?)", r.ExitReason);

        AssertStarted();
        var deep = Do("monitor", xcatd.Params(("ca_file", XcatCredentials.OtherCa)), level: 10);
        Assert.Equal(1, deep.Code);
        Assert.Contains($"its certificate is not signed by the CA in {XcatCredentials.OtherCa}", deep.Stderr);
    }

    /// <summary>
    /// The agent's TLS client against a server we did not write: OpenSSL's s_server, requiring a
    /// client certificate (-Verify), started under xcatd's title (exec -a) so that it is the SSL
    /// listener the pid file names, and replaying a canned xcatd reply stream from stdin.
    /// </summary>
    [Theory]
    [InlineData("<xcatresponse>\n  <data>Version 2.19.0 (git commit 6a9f0b2, built Fri Nov 1 2024)</data>\n</xcatresponse>\n", 0, null)]
    [InlineData("<xcatresponse>\n  <error>Permission denied for request</error>\n  <errorcode>1</errorcode>\n</xcatresponse>\n", 1, "xcatd runs but its database does not")]
    [InlineData("<xcatresponse>\n  <data>Version 2.19.0</data>\n", 1, "closed the connection before serverdone")]
    public void Depth_10_reads_a_canned_xcatd_stream_from_openssl_s_server_with_client_certificate_required(string canned, int code, string? reason)
    {
        var serverDone = reason?.Contains("before serverdone") == true ? "" : "<xcatresponse>\n  <serverdone></serverdone>\n</xcatresponse>\n";
        var psi = new System.Diagnostics.ProcessStartInfo("bash")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "-c", "exec -a 'xcatd: SSL listener' openssl s_server -accept \"$1\" -cert \"$2\" -key \"$3\" -CAfile \"$4\" -Verify 1 -naccept 1" + (serverDone.Length > 0 ? " -ign_eof" : ""),
                     "s_server", xcatd.Port.ToString(), XcatCredentials.ServerCert, XcatCredentials.ServerKey, XcatCredentials.Ca })
            psi.ArgumentList.Add(a);
        using var server = System.Diagnostics.Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        var accepting = new ManualResetEventSlim();
        server.OutputDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
            if (e.Data == "ACCEPT") accepting.Set();
        };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            Assert.True(accepting.Wait(TimeSpan.FromSeconds(10)), "s_server did not print ACCEPT");
            File.WriteAllText(xcatd.PidFile, $"{server.Id}\n");
            server.StandardInput.Write(canned + serverDone);
            server.StandardInput.Flush();
            if (serverDone.Length == 0) server.StandardInput.Close(); // EOF: s_server closes the connection mid-stream

            var r = Do("monitor", level: 10);
            Assert.True(r.Code == code, r.ToString());
            if (reason is not null) Assert.Contains(reason, r.ExitReason);
            Assert.True(server.WaitForExit(10000), "s_server still running: the client did not close");
            server.WaitForExit();
            // s_server prints what it received (when stdin's EOF did not end the connection first).
            if (serverDone.Length > 0) lock (output) Assert.Contains("<command>lsxcatd</command>\n  <arg>-v</arg>\n  <clienttype>cli</clienttype>\n</xcatrequest>", output.ToString());
        }
        finally
        {
            if (!server.HasExited) server.Kill();
        }
    }

    private (Dictionary<string, string> Params, Dictionary<string, string> Env, string Calls) WithRecordedPostStart()
    {
        var bin = Path.Combine(xcatd.Root, "bin");
        var calls = Path.Combine(xcatd.Root, "post-start-calls");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "makedns"), $"#!/bin/sh\necho makedns >> {calls}\n");
        File.SetUnixFileMode(Path.Combine(bin, "makedns"), (UnixFileMode)0b111_101_101);
        return (xcatd.Params(("post_start", "makedns -n")), new() { ["PATH"] = $"{bin}:/usr/sbin:/usr/bin:/sbin:/bin" }, calls);
    }

    private int Boundaries(string action, Dictionary<string, string> p, Dictionary<string, string> env)
    {
        var r = Run.Agent(Built.WithHooks("xcatd"), action, p, new(env) { ["OCFAGENTS_CRASH_TRACE"] = "1" });
        Assert.True(r.Code == 0, r.ToString());
        return r.Stderr.Split('\n').Count(l => l.StartsWith("crash-point ", StringComparison.Ordinal));
    }

    private AgentResult KillAt(string action, int boundary, Dictionary<string, string> p, Dictionary<string, string> env)
    {
        var r = Run.Agent(Built.WithHooks("xcatd"), action, p, new(env) { ["OCFAGENTS_CRASH_AT"] = boundary.ToString() });
        Assert.True(r.Killed, $"{action} was not killed at step {boundary}: {r}");
        return r;
    }

    /// <summary>
    /// The window between spawning the launcher and recording it: a start killed there leaves a
    /// launcher nothing names. With the stand-in waiting "for the database" the window stays open
    /// until the next start has looked; that start must adopt the launcher, not spawn a second xcatd.
    /// </summary>
    [Fact]
    public void A_start_killed_before_it_recorded_its_launcher_is_finished_by_the_next_start_which_adopts_that_launcher()
    {
        var p = xcatd.Params();
        Assert.Equal(0, Do("stop").Code); // the boundaries are counted from the state the killed start sees
        var trace = Run.Agent(Built.WithHooks("xcatd"), "start", p, new() { ["OCFAGENTS_CRASH_TRACE"] = "1" });
        Assert.True(trace.Code == 0, trace.ToString());
        var boundary = trace.Stderr.Split('\n').Where(l => l.StartsWith("crash-point ", StringComparison.Ordinal) && l.EndsWith(": spawned the launcher, not yet recorded"))
            .Select(l => int.Parse(l["crash-point ".Length..l.IndexOf(':')])).Single();
        Assert.Equal(0, Do("stop").Code);

        xcatd.Set("block", true);
        KillAt("start", boundary, p, []);
        xcatd.Set("block", false);
        var again = Do("start");
        Assert.True(again.Code == 0, again.ToString());
        Assert.Contains("from an interrupted start is still running; waiting for it", again.Stderr);
        Assert.Equal(4, xcatd.Processes().Count); // one listener and its three children, not two xcatds
        Assert.Equal(0, Do("stop").Code);
        AssertAllGone();
    }

    private SystemdStandIn? systemd;

    /// <summary>A unit of the systemd stand-in (<see cref="SystemdStandIn"/>) that runs the xcatd stand-in.</summary>
    private (Dictionary<string, string> Params, Dictionary<string, string> Env, SystemdStandIn Systemd) WithSystemdUnit()
    {
        systemd = new SystemdStandIn(xcatd.Root);
        // systemd's stop: TERM to every process of the unit, KILL after a grace period.
        systemd.Unit("xcatd.service", $"XCATROOT={xcatd.XcatRoot} {xcatd.Binary} -p {xcatd.PidFile}",
            $"pkill -TERM -f {xcatd.Binary}; i=0; while pgrep -f {xcatd.Binary} >/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done; pkill -KILL -f {xcatd.Binary}; true");
        return (xcatd.Params(("systemd_unit", "xcatd.service")), systemd.Env, systemd);
    }

    [Fact]
    public void With_systemd_unit_start_and_stop_are_systemd_jobs_and_are_verified_the_same_way()
    {
        var (p, env, systemd) = WithSystemdUnit();
        var start = Do("start", p, env: env);
        Assert.True(start.Code == 0, start.ToString());
        Assert.Equal(["StartUnit xcatd.service replace"], systemd.Jobs());
        Assert.Equal("xcatd: SSL listener", XcatdStandIn.Title(xcatd.ListenerPid));
        Assert.Equal(0, Do("monitor", p, level: 10, env: env).Code);
        var stop = Do("stop", p, env: env);
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.Equal(["StartUnit xcatd.service replace", "StopUnit xcatd.service replace"], systemd.Jobs());
        Assert.Contains("systemd stopped xcatd.service", stop.Stderr);
        AssertAllGone();
        Assert.Equal(7, Do("monitor", p, env: env).Code);
    }

    [Fact]
    public void With_systemd_unit_a_database_wait_past_the_deadline_stops_the_unit_and_says_why()
    {
        var (p, env, systemd) = WithSystemdUnit();
        xcatd.Set("block", true);
        var r = Do("start", p, timeoutMs: 4000, env: env);
        Assert.Equal(1, r.Code);
        Assert.StartsWith("xcatd waiting for its database: xcatd.service had not started the listener", r.ExitReason);
        Assert.Contains("StopUnit xcatd.service replace", systemd.Jobs());
        AssertAllGone();
    }

    [Fact]
    public void With_systemd_unit_a_failed_unit_ends_the_start_at_once_naming_it()
    {
        var (p, env, _) = WithSystemdUnit();
        var link = Path.Combine(xcatd.Root, "etc-link");
        File.CreateSymbolicLink(link, "/nonexistent/etc/xcat");
        xcatd.Set("etc", link); // xcatd exits 2 under systemd
        var r = Do("start", p, timeoutMs: 60000, env: env);
        Assert.Equal(1, r.Code);
        Assert.Equal("systemd reports xcatd.service failed; see systemctl status xcatd.service and journalctl -u xcatd.service", r.ExitReason);
        AssertAllGone();
    }

    [Fact]
    public void With_systemd_unit_a_unit_systemd_does_not_know_fails_the_start_with_systemds_words()
    {
        var (p, env, systemd) = WithSystemdUnit();
        File.Delete(Path.Combine(systemd.Dir, "xcatd.service.start"));
        var r = Do("start", p, env: env);
        Assert.Equal(1, r.Code);
        Assert.Equal("systemd did not start xcatd.service: Unit xcatd.service not found. (org.freedesktop.systemd1.NoSuchUnit)", r.ExitReason);
        AssertAllGone();
    }

    [Fact]
    public void With_systemd_unit_and_no_systemd_on_the_bus_the_start_says_so_and_names_the_bus()
    {
        using var bus = new PrivateSystemBus(xcatd.Root);
        var r = Do("start", xcatd.Params(("systemd_unit", "xcatd.service")), env: bus.Env);
        Assert.Equal(1, r.Code);
        Assert.Equal($"systemd does not answer on the system bus ({bus.Address}); is this node booted with systemd?", r.ExitReason);
    }

    /// <summary>
    /// The unit's start and stop are D-Bus calls made by the agent itself: under strace, a whole
    /// life cycle in systemd mode runs no program (it used to run systemctl for every step). The
    /// xcatd it stops was started by the stand-in manager, not by the agent.
    /// </summary>
    [Fact]
    public void With_systemd_unit_a_life_cycle_runs_no_child_process()
    {
        var (p, env, systemd) = WithSystemdUnit();
        foreach (var action in new[] { "start", "monitor", "stop" })
        {
            var trace = Path.Combine(xcatd.Root, "execve.strace." + action);
            var r = Run.Agent(Agent, action, p, env, wrapper: ["strace", "-f", "-qq", "-e", "trace=execve,fork,vfork,clone3", "-o", trace]);
            Assert.True(r.Code == 0, r.ToString());
            var calls = File.ReadAllLines(trace);
            Assert.Single(calls, l => l.Contains("execve("));
            Assert.DoesNotContain(calls, l => l.Contains("fork(") || (l.Contains("clone3(") && !l.Contains("CLONE_THREAD")));
        }
        Assert.Equal(["StartUnit xcatd.service replace", "StopUnit xcatd.service replace"], systemd.Jobs());
        AssertAllGone();
    }

    [Fact]
    public void The_ocf_harness_passes_including_sigkill_part_way_through_start_and_stop()
    {
        var r = Harness.Run(Agent, xcatd.Params(), killPoints: 4);
        Assert.True(r.Code == 0, r.Report);
        Assert.Empty(r.Failed);
        Assert.Equal(7, Do("monitor").Code);
        AssertAllGone();
    }

    [Fact]
    public void Ocf_tester_passes()
    {
        var argv = new List<string> { "ocf-tester", "-n", "xcatd" };
        foreach (var (k, v) in xcatd.Params()) argv.AddRange(["-o", $"{k}={v}"]);
        argv.Add(Agent);
        var r = Run.Command(argv, limit: TimeSpan.FromMinutes(3));
        Assert.True(r.Code == 0, r.Stdout + r.Stderr);
        Assert.Equal(0, Do("stop").Code);
        AssertAllGone();
    }
}
