using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Tests;

public class HostDispatchTests
{
    [Fact]
    public void An_unknown_action_exits_3_with_an_exit_reason_naming_it()
    {
        var r = HostRun.Of(new TestAgent(), ["frobnicate"]);
        Assert.Equal(3, r.Code);
        Assert.Equal(["ocf-exit-reason:unrecognised action 'frobnicate'"], r.ExitReasons);
    }

    [Fact]
    public void No_action_at_all_exits_3_and_prints_usage()
    {
        var r = HostRun.Of(new TestAgent(), []);
        Assert.Equal(3, r.Code);
        Assert.Contains("usage: testagent {start|stop|monitor", r.Stderr);
    }

    [Fact]
    public void Extra_arguments_after_the_action_are_ignored()
    {
        var agent = new TestAgent();
        var r = HostRun.Of(agent, ["start", "extra", "--junk"]);
        Assert.Equal(0, r.Code);
        Assert.True(agent.Running);
    }

    [Fact]
    public void Start_on_a_running_resource_succeeds_without_calling_the_agents_start()
    {
        var agent = new TestAgent { Running = true };
        var r = HostRun.Of(agent, ["start"]);
        Assert.Equal(0, r.Code);
        Assert.Equal(["monitor"], agent.Calls);
    }

    [Fact]
    public void Stop_on_a_stopped_resource_is_0_never_7()
    {
        var agent = new TestAgent();
        var r = HostRun.Of(agent, ["stop"]);
        Assert.Equal(0, r.Code);
        Assert.Equal(["monitor"], agent.Calls);
    }

    [Fact]
    public void Monitor_on_a_stopped_resource_is_7_without_an_exit_reason()
    {
        var r = HostRun.Of(new TestAgent(), ["monitor"]);
        Assert.Equal(7, r.Code);
        Assert.Empty(r.ExitReasons);
    }

    [Fact]
    public void A_start_that_monitor_does_not_confirm_fails_with_the_monitors_reason()
    {
        var agent = new TestAgent
        {
            OnMonitor = _ => OcfResult.Fail(OcfExit.Generic, "listener not answering"),
        };
        agent.OnStart = _ => OcfResult.Success;
        var r = HostRun.Of(agent, ["start"]);
        Assert.Equal(1, r.Code);
        Assert.Equal(["ocf-exit-reason:start finished but monitor says: listener not answering"], r.ExitReasons);
        Assert.Equal(["monitor", "start", "monitor"], agent.Calls);
    }

    [Fact]
    public void A_stop_that_monitor_does_not_confirm_fails_so_Pacemaker_escalates()
    {
        var agent = new TestAgent { Running = true, OnStop = _ => OcfResult.Success };
        agent.OnMonitor = _ => OcfResult.Success; // still running after stop
        var r = HostRun.Of(agent, ["stop"]);
        Assert.Equal(1, r.Code);
        Assert.Single(r.ExitReasons);
        Assert.StartsWith("ocf-exit-reason:stop finished but monitor says", r.ExitReasons[0]);
    }

    [Fact]
    public void A_probe_that_finds_the_software_missing_here_reports_not_running()
    {
        var agent = new TestAgent { OnMonitor = _ => OcfResult.Fail(OcfExit.NotInstalled, "binary /x missing") };
        var probe = HostRun.Of(agent, ["monitor"], new() { ["OCF_RESKEY_CRM_meta_interval"] = "0" });
        var recurring = HostRun.Of(agent, ["monitor"], new() { ["OCF_RESKEY_CRM_meta_interval"] = "10000" });
        Assert.Equal(7, probe.Code);
        Assert.Equal(5, recurring.Code);
        Assert.Equal(["ocf-exit-reason:binary /x missing"], recurring.ExitReasons);
    }

    [Theory]
    [InlineData("validate-all", 6)]
    [InlineData("start", 6)]
    [InlineData("migrate_from", 6)]
    [InlineData("stop", 0)]
    [InlineData("migrate_to", 0)]
    public void An_invalid_configuration_is_mapped_per_action(string action, int expected)
    {
        var r = HostRun.Of(new TestAgent(), [action], new() { ["OCF_RESKEY_name"] = "bad", ["OCF_RESKEY_CRM_meta_interval"] = "10000" });
        Assert.Equal(expected, r.Code);
        if (expected != 0) Assert.Equal(["ocf-exit-reason:name 'bad' is refused"], r.ExitReasons);
    }

    [Fact]
    public void A_probe_with_an_invalid_configuration_is_7_only_when_the_agent_proves_nothing_runs()
    {
        var env = new Dictionary<string, string> { ["OCF_RESKEY_name"] = "bad" };
        Assert.Equal(7, HostRun.Of(new TestAgent { StoppedWithoutConfig = true }, ["monitor"], new(env)).Code);
        Assert.Equal(6, HostRun.Of(new TestAgent { StoppedWithoutConfig = false }, ["monitor"], new(env)).Code);
        Assert.Equal(6, HostRun.Of(new TestAgent { StoppedWithoutConfig = true }, ["monitor"],
            new(env) { ["OCF_RESKEY_CRM_meta_interval"] = "5000" }).Code);
    }

    [Fact]
    public void Stop_with_an_invalid_configuration_fails_when_something_may_still_be_active()
    {
        var r = HostRun.Of(new TestAgent { StoppedWithoutConfig = false }, ["stop"], new() { ["OCF_RESKEY_name"] = "bad" });
        Assert.Equal(6, r.Code);
    }

    [Fact]
    public void A_missing_required_parameter_is_not_configured_and_named()
    {
        var r = HostRun.Of(new TestAgent(), ["validate-all"], new() { ["OCF_RESKEY_name"] = "" });
        Assert.Equal(6, r.Code);
        Assert.Equal(["ocf-exit-reason:parameter name is required but not set"], r.ExitReasons);
    }

    [Fact]
    public void A_bad_secret_is_reported_without_its_value()
    {
        var r = HostRun.Of(new TestAgent(), ["validate-all"], new() { ["OCF_RESKEY_password"] = "s3c" });
        Assert.Equal(6, r.Code);
        Assert.Equal(["ocf-exit-reason:parameter password: invalid value"], r.ExitReasons);
        Assert.DoesNotContain("s3c", r.Stderr);
    }

    [Fact]
    public void An_exit_reason_uses_the_prefix_from_the_environment_and_is_cut_to_128_characters()
    {
        var agent = new TestAgent { OnStart = _ => OcfResult.Fail(OcfExit.Generic, new string('x', 300) + "\nsecond line") };
        var r = HostRun.Of(agent, ["start"], new() { ["OCF_EXIT_REASON_PREFIX"] = "reason>" });
        var line = Assert.Single(r.Stderr.Split((char)10), l => l.StartsWith("reason>"));
        Assert.Equal(128, line.Length - "reason>".Length);
        Assert.EndsWith("...", line);
    }

    [Fact]
    public void A_reason_over_several_lines_becomes_one_exit_reason_line_with_the_breaks_as_spaces()
    {
        var agent = new TestAgent { OnStart = _ => OcfResult.Fail(OcfExit.Generic, "disk\r\nfull\non\u2028/HA-data\u0085now\rtoo\fend") };
        var r = HostRun.Of(agent, ["start"]);
        Assert.Equal(["ocf-exit-reason:disk full on /HA-data now too end"], r.ExitReasons);
    }

    [Fact]
    public void An_exception_in_an_action_becomes_exit_1_with_a_reason_not_a_crash()
    {
        var agent = new TestAgent { OnStart = _ => throw new InvalidOperationException("boom") };
        var r = HostRun.Of(agent, ["start"]);
        Assert.Equal(1, r.Code);
        Assert.Equal(["ocf-exit-reason:start: internal error (InvalidOperationException)"], r.ExitReasons);
    }

    [Fact]
    public void A_runtime_resource_key_never_reaches_the_exit_reason()
    {
        var agent = new TestAgent { OnStart = _ => throw new FileNotFoundException("IO_FileNotFound_FileName, /etc/xcat/cfgloc", "/etc/xcat/cfgloc") };
        var r = HostRun.Of(agent, ["start"]);
        Assert.Equal(1, r.Code);
        Assert.Equal(["ocf-exit-reason:no such file: /etc/xcat/cfgloc"], r.ExitReasons);
    }

    [Fact]
    public void A_read_only_file_system_is_exit_4()
    {
        var agent = new TestAgent { OnStart = _ => throw new IOException("Read-only file system : '/install'", Native.EROFS) };
        var r = HostRun.Of(agent, ["start"]);
        Assert.Equal(4, r.Code);
        Assert.Equal(["ocf-exit-reason:Read-only file system : '/install'"], r.ExitReasons);
    }

    [Fact]
    public void Control_characters_in_a_reason_are_escaped_in_the_exit_reason_and_the_log()
    {
        var agent = new TestAgent { OnStart = _ => OcfResult.Fail(OcfExit.Generic, "bad \u001b[31mred\u0007 value") };
        var r = HostRun.Of(agent, ["start"]);
        Assert.Equal(["ocf-exit-reason:bad \\x1b[31mred\\x07 value"], r.ExitReasons);
        Assert.DoesNotContain('\u001b', r.Stderr);
        Assert.DoesNotContain('\u0007', r.Stderr);
    }

    [Fact]
    public void A_permission_error_from_a_system_call_is_exit_4()
    {
        var agent = new TestAgent { OnStart = _ => throw new SysError("rename", "/x", Native.EACCES) };
        var r = HostRun.Of(agent, ["start"]);
        Assert.Equal(4, r.Code);
        Assert.Equal(["ocf-exit-reason:rename /x: permission denied"], r.ExitReasons);
    }

    [Fact]
    public void Check_level_probe_flag_and_migration_peers_reach_the_agent()
    {
        var agent = new TestAgent { Running = true };
        HostRun.Of(agent, ["monitor"], new() { ["OCF_CHECK_LEVEL"] = "10", ["OCF_RESKEY_CRM_meta_interval"] = "60000" });
        Assert.Equal(10, agent.LastContext!.CheckLevel);
        Assert.False(agent.LastContext.IsProbe);

        HostRun.Of(agent, ["monitor"]);
        Assert.Equal(0, agent.LastContext!.CheckLevel);
        Assert.True(agent.LastContext.IsProbe);

        var r = HostRun.Of(agent, ["migrate_to"], new()
        {
            ["OCF_RESKEY_CRM_meta_migrate_source"] = "mn1", ["OCF_RESKEY_CRM_meta_migrate_target"] = "mn2",
        });
        Assert.Equal(0, r.Code);
        Assert.False(agent.Running);
        Assert.Equal(("mn1", "mn2"), (agent.LastContext!.MigrateSource, agent.LastContext.MigrateTarget));
        Assert.Contains("handing over from mn1 to mn2", r.Stderr);
    }

    [Fact]
    public void A_migrate_to_the_agent_hands_over_leaves_the_resource_running_for_the_stop_that_follows()
    {
        var agent = new TestAgent { Running = true, OnHandOver = _ => OcfResult.Success };
        var r = HostRun.Of(agent, ["migrate_to"]);
        Assert.Equal(0, r.Code);
        Assert.True(agent.Running);
        Assert.Equal(["handover"], agent.Calls);

        var failing = new TestAgent { Running = true, OnHandOver = _ => OcfResult.Fail(OcfExit.Generic, "the final sync failed") };
        var f = HostRun.Of(failing, ["migrate_to"]);
        Assert.Equal(1, f.Code);
        Assert.Equal(["ocf-exit-reason:the final sync failed"], f.ExitReasons);
        Assert.True(failing.Running);
    }

    [Fact]
    public void Reload_agent_is_offered_only_when_a_parameter_is_reloadable()
    {
        Assert.Equal(0, HostRun.Of(new TestAgent(), ["reload-agent"]).Code);
        Assert.Contains("<action name=\"reload-agent\"", HostRun.Of(new TestAgent(), ["meta-data"]).Stdout);
    }

    [Fact]
    public void The_deadline_comes_from_CRM_meta_timeout_in_milliseconds_or_the_advertised_default()
    {
        var agent = new TestAgent();
        Assert.Equal(TimeSpan.FromMilliseconds(45000), OcfHost.TimeoutFor(agent, "start", new Dictionary<string, string> { ["OCF_RESKEY_CRM_meta_timeout"] = "45000" }));
        Assert.Equal(agent.Timeouts.Stop, OcfHost.TimeoutFor(agent, "stop", new Dictionary<string, string>()));
        Assert.Equal(agent.Timeouts.Monitor, OcfHost.TimeoutFor(agent, "monitor", new Dictionary<string, string> { ["OCF_RESKEY_CRM_meta_timeout"] = "soon" }));
    }

    [Fact]
    public void An_action_that_fails_after_its_deadline_says_it_timed_out()
    {
        var agent = new TestAgent
        {
            OnStart = ctx =>
            {
                ctx.Deadline.WaitUntil(() => false);
                return OcfResult.Fail(OcfExit.Generic, "daemon did not answer");
            },
        };
        var r = HostRun.Of(agent, ["start"], new() { ["OCF_RESKEY_CRM_meta_timeout"] = "600" });
        Assert.Equal(1, r.Code);
        Assert.Equal(["ocf-exit-reason:start timed out after 1s: daemon did not answer"], r.ExitReasons);
    }

    [Fact]
    public void Usage_and_the_man_page_are_derived_from_the_parameter_declarations()
    {
        var usage = HostRun.Of(new TestAgent(), ["usage"]);
        Assert.Equal(0, usage.Code);
        Assert.Contains("count (integer, default \"3\")", usage.Stdout);
        var man = HostRun.Of(new TestAgent(), ["manpage"]);
        Assert.StartsWith(".TH OCF_XCAT_TESTAGENT 7", man.Stdout);
        Assert.Contains(".B count", man.Stdout);
    }

    private static Dictionary<string, string> LockDir(string dir) => new() { ["HA_RSCTMP"] = dir, ["OCF_RESOURCE_INSTANCE"] = "r1" };

    [Fact]
    public void A_start_while_another_action_holds_the_resource_lock_waits_then_changes_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("rsctmp").FullName;
        using var other = ResourceLock.Acquire(ResourceLock.PathFor(dir, "testagent", "r1"), Deadline.After(TimeSpan.FromSeconds(5)));
        Assert.NotNull(other);
        var agent = new TestAgent();
        var env = LockDir(dir);
        env["OCF_RESKEY_CRM_meta_timeout"] = "600";
        var r = HostRun.Of(agent, ["start"], env);
        Assert.Equal(1, r.Code);
        Assert.Contains("another action on this resource still runs", Assert.Single(r.ExitReasons));
        Assert.Contains("waiting for it", r.Stderr);
        Assert.Empty(agent.Calls);
        Assert.False(agent.Running);
    }

    [Fact]
    public void A_stop_whose_lock_directory_cannot_be_used_still_stops_and_says_so()
    {
        var dir = Directory.CreateTempSubdirectory("rsctmp").FullName;
        Directory.CreateSymbolicLink(Path.Combine(dir, "ocfagents"), "/tmp");
        var agent = new TestAgent { Running = true };
        var r = HostRun.Of(agent, ["stop"], LockDir(dir));
        Assert.Equal(0, r.Code);
        Assert.False(agent.Running);
        Assert.Contains("stop runs without the per-resource lock: state directory", r.Stderr);
    }
}
