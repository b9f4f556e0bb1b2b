using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>shareddata on a scratch shared root: what an admin sees for each situation.</summary>
public class SharedDataScenarioTests
{
    private static readonly string Agent = Built.Release("shareddata");

    private static AgentResult Do(string action, Dictionary<string, string> p, Dictionary<string, string>? env = null, string? asUser = null) =>
        Run.Agent(Agent, action, p, env, asUser);

    private static Dictionary<string, string> Recurring(int level = 0) =>
        new() { ["OCF_RESKEY_CRM_meta_interval"] = "10000", ["OCF_CHECK_LEVEL"] = level.ToString() };

    [Fact]
    public void Start_links_five_paths_at_once_and_stop_puts_every_original_back()
    {
        var tree = new SharedTree();
        var p = tree.Params();
        Assert.Equal(7, Do("monitor", p).Code);
        var start = Do("start", p);
        Assert.True(start.Code == 0, start.ToString());
        tree.AssertActivated();
        foreach (var path in tree.Paths) Assert.True(Directory.Exists(tree.Backup(path)));
        Assert.Equal(0, Do("monitor", p, Recurring()).Code);
        Assert.Equal(0, Do("monitor", p, Recurring(10)).Code);
        var stop = Do("stop", p);
        Assert.True(stop.Code == 0, stop.ToString());
        tree.AssertDeactivated();
        Assert.Equal(7, Do("monitor", p).Code);
    }

    [Fact]
    public void Start_and_stop_are_idempotent()
    {
        var tree = new SharedTree();
        var p = tree.Params();
        Assert.Equal([0, 0, 0, 0], new[] { "start", "start", "stop", "stop" }.Select(a => Do(a, p).Code));
        Assert.Contains("already stopped", Do("stop", p).Stderr);
        tree.AssertDeactivated();
    }

    [Fact]
    public void Paths_that_do_not_exist_yet_are_linked_and_removed_again_without_backups()
    {
        var tree = new SharedTree(originals: false);
        var p = tree.Params();
        Assert.Equal(0, Do("start", p).Code);
        foreach (var path in tree.Paths) Assert.True(tree.IsLinked(path));
        Assert.Equal(0, Do("stop", p).Code);
        tree.AssertDeactivated(originals: false);
    }

    [Fact]
    public void An_existing_backup_beside_real_data_refuses_start_and_changes_nothing()
    {
        var tree = new SharedTree();
        var victim = tree.Paths[2];
        Directory.CreateDirectory(tree.Backup(victim));
        File.WriteAllText(Path.Combine(tree.Backup(victim), "older.sentinel"), "older backup");
        var r = Do("start", tree.Params());
        Assert.Equal(5, r.Code);
        Assert.Equal(Reason.Shown($"both {victim} and backup {tree.Backup(victim)} exist; move one away by hand"), r.ExitReason);
        foreach (var path in tree.Paths) Assert.False(tree.IsLinked(path));
        Assert.Equal("older backup", File.ReadAllText(Path.Combine(tree.Backup(victim), "older.sentinel")));
        Assert.True(File.Exists(Path.Combine(victim, "local.sentinel")));
        Assert.Equal(5, Do("validate-all", tree.Params()).Code);
    }

    [Fact]
    public void A_symlink_that_is_not_ours_refuses_start_and_survives_stop()
    {
        var tree = new SharedTree();
        var victim = tree.Paths[1];
        Directory.Delete(victim, true);
        File.CreateSymbolicLink(victim, "/usr/share");
        var start = Do("start", tree.Params());
        Assert.Equal(5, start.Code);
        Assert.Equal(Reason.Shown($"{victim} is a symlink to /usr/share, not ours; remove it or fix paths"), start.ExitReason);
        var stop = Do("stop", tree.Params());
        Assert.Equal(0, stop.Code);
        Assert.Equal("/usr/share", new FileInfo(victim).LinkTarget);
    }

    [Fact]
    public void A_link_removed_by_hand_makes_monitor_fail_with_the_path_and_start_repairs_it()
    {
        var tree = new SharedTree();
        var p = tree.Params();
        Assert.Equal(0, Do("start", p).Code);
        File.Delete(tree.Paths[3]);
        var m = Do("monitor", p, Recurring());
        Assert.Equal(1, m.Code);
        Assert.Equal(Reason.Shown($"partially active: 4 of 5 links; {tree.Paths[3]} is missing"), m.ExitReason);
        Assert.Equal(0, Do("start", p).Code);
        tree.AssertActivated();
    }

    [Fact]
    public void A_target_that_vanished_from_the_shared_root_makes_monitor_fail()
    {
        var tree = new SharedTree();
        var p = tree.Params();
        Assert.Equal(0, Do("start", p).Code);
        Directory.Move(tree.Target(tree.Paths[0]), tree.Target(tree.Paths[0]) + ".moved");
        var m = Do("monitor", p, Recurring());
        Assert.Equal(1, m.Code);
        Assert.Equal(Reason.Shown($"{tree.Paths[0]} links to {tree.Target(tree.Paths[0])}, which does not exist (shared storage lost?)"), m.ExitReason);
    }

    /// <summary>
    /// A node that crashed with the links active boots without the shared storage mounted: its
    /// links are still on its own disk, pointing into an empty mount point. Its probe must say
    /// "not running here" — a failure would make Pacemaker see the set active on two nodes and
    /// restart it where it runs — while a recurring monitor of the running set calls the same
    /// sight lost storage. A stop from there still puts the local copies back.
    /// </summary>
    [Fact]
    public void A_probe_after_a_crash_with_the_storage_not_mounted_finds_the_links_not_running_while_a_monitor_calls_it_lost_storage()
    {
        var tree = new SharedTree();
        var p = tree.Params();
        Assert.Equal(0, Do("start", p).Code);
        Directory.Move(tree.Root, tree.Root + ".elsewhere");
        Directory.CreateDirectory(tree.Root);
        var probe = Do("monitor", p);
        Assert.True(probe.Code == 7, probe.ToString());
        Assert.Contains($"every path still links into {tree.Root}, whose data is not here", probe.Stderr);
        Assert.Equal(1, Do("monitor", p, Recurring()).Code);
        var stop = Do("stop", p);
        Assert.True(stop.Code == 0, stop.ToString());
        Directory.Delete(tree.Root);
        Directory.Move(tree.Root + ".elsewhere", tree.Root); // the storage, untouched, as another node has it
        tree.AssertDeactivated();
    }

    [Fact]
    public void A_missing_target_refuses_start_unless_create_targets_is_set()
    {
        var tree = new SharedTree(targets: false);
        var refused = Do("start", tree.Params());
        Assert.Equal(5, refused.Code);
        Assert.Equal(Reason.Shown($"target {tree.Target(tree.Paths[0])} does not exist; create it on the shared storage or set create_targets=true"), refused.ExitReason);
        var created = Do("start", tree.Params(("create_targets", "true")));
        Assert.True(created.Code == 0, created.ToString());
        foreach (var path in tree.Paths) Assert.True(Directory.Exists(tree.Target(path)));
    }

    [Fact]
    public void A_missing_shared_root_is_not_installed_here_and_a_probe_says_not_running()
    {
        var tree = new SharedTree();
        var p = tree.Params(("shared_root", tree.Root + "-absent"));
        var start = Do("start", p);
        Assert.Equal(5, start.Code);
        Assert.Equal(Reason.Shown($"shared root {tree.Root}-absent does not exist here; mount the shared storage first"), start.ExitReason);
        Assert.Equal(7, Do("monitor", p).Code);
    }

    [Fact]
    public void A_shared_root_that_is_not_a_mount_point_is_refused_when_one_is_required()
    {
        var tree = new SharedTree();
        var r = Do("start", tree.Params(("require_mountpoint", "true")));
        Assert.Equal(5, r.Code);
        Assert.Equal(Reason.Shown($"shared root {tree.Root} is not a mount point; mount it or set require_mountpoint=false"), r.ExitReason);
        tree.AssertNothingLost();
    }

    [Fact]
    public void A_mounted_shared_root_is_accepted_and_depth_10_notices_when_it_is_no_longer_mounted()
    {
        // Inside a private mount namespace: tmpfs on the shared root, start, monitor, unmount, monitor.
        var tree = new SharedTree(originals: true, targets: false);
        var script = Path.Combine(tree.Base, "mounted.sh");
        File.WriteAllText(script, $"""
            set -u
            mount -t tmpfs tmpfs '{tree.Root}'
            for p in {string.Join(' ', tree.Paths.Select(x => $"'{tree.Target(x)}'"))}; do mkdir -p "$p"; done
            '{Agent}' start; echo "start=$?"
            OCF_CHECK_LEVEL=10 OCF_RESKEY_CRM_meta_interval=10000 '{Agent}' monitor; echo "deep=$?"
            mkdir -p /tmp/keep && mount --move '{tree.Root}' /tmp/keep 2>/dev/null || umount -l '{tree.Root}'
            for p in {string.Join(' ', tree.Paths.Select(x => $"'{tree.Target(x)}'"))}; do mkdir -p "$p"; done
            OCF_RESKEY_CRM_meta_interval=10000 '{Agent}' monitor; echo "shallow-after=$?"
            OCF_CHECK_LEVEL=10 OCF_RESKEY_CRM_meta_interval=10000 '{Agent}' monitor; echo "deep-after=$?"
            """);
        var env = tree.Params(("require_mountpoint", "true")).ToDictionary(kv => "OCF_RESKEY_" + kv.Key, kv => kv.Value);
        var r = Run.Command(["unshare", "--mount", "--propagation", "private", "bash", script], env: env);
        Assert.Contains("start=0", r.Stdout);
        Assert.Contains("deep=0", r.Stdout);
        Assert.Contains("shallow-after=0", r.Stdout);
        Assert.Contains("deep-after=1", r.Stdout);
        Assert.Contains($"ocf-exit-reason:shared root {tree.Root} is no longer a mount point", r.Stderr);
    }

    [Fact]
    public void Depth_10_reports_a_target_the_agent_cannot_read()
    {
        var tree = new SharedTree();
        var p = tree.Params();
        Assert.Equal(0, Do("start", p).Code);
        File.SetUnixFileMode(tree.Target(tree.Paths[4]), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var dir in new[] { tree.Root }.Concat(tree.Paths.Select(tree.Target)).Concat(tree.Paths.Select(x => Path.GetDirectoryName(x)!)))
            for (var d = dir; d.Length > tree.Base.Length; d = Path.GetDirectoryName(d)!)
                if (d != tree.Target(tree.Paths[4])) File.SetUnixFileMode(d, (UnixFileMode)0b111_101_101);
        Assert.Equal(0, Do("monitor", p, Recurring(0), asUser: "nobody").Code);
        var deep = Do("monitor", p, Recurring(10), asUser: "nobody");
        Assert.Equal(1, deep.Code);
        Assert.Equal(Reason.Shown($"target {tree.Target(tree.Paths[4])} is not readable: permission denied"), deep.ExitReason);
    }

    [Fact]
    public void A_failure_half_way_through_start_undoes_every_link_and_restores_every_backup()
    {
        // As nobody, with the fourth path's directory owned by root: moving it aside is refused.
        var tree = new SharedTree();
        Run.Command(["chown", "-R", "nobody:nogroup", tree.Base]);
        var locked = Path.GetDirectoryName(tree.Paths[3])!;
        Run.Command(["chown", "root:root", locked]);
        var r = Do("start", tree.Params(), asUser: "nobody");
        Assert.Equal(4, r.Code);
        Assert.Equal(Reason.Shown($"rename {tree.Paths[3]} -> {tree.Backup(tree.Paths[3])}: permission denied; all links undone"), r.ExitReason);
        tree.AssertDeactivated();
    }

    [Fact]
    public void Names_with_plus_and_dot_are_compared_as_paths_not_patterns()
    {
        // ocf:heartbeat:symlink takes /x/tftp+boot.d for /x/tftpXboot_d and the other way round.
        var tree = new SharedTree();
        var plus = tree.Paths[4];
        var lookalike = Path.Combine(Path.GetDirectoryName(plus)!, "tftpboot.d");
        Directory.CreateDirectory(lookalike);
        var p = tree.Params();
        Assert.Equal(0, Do("start", p).Code);
        Assert.True(tree.IsLinked(plus));
        Assert.Null(new FileInfo(lookalike).LinkTarget);
        Assert.Equal(0, Do("monitor", p, Recurring()).Code);
    }

    public static TheoryData<string, string, string> BadConfigurations => new()
    {
        { "paths", "relative/install", "parameter paths: 'relative/install' is not an absolute path" },
        { "paths", "/srv/a /srv/a", "path /srv/a is listed twice in paths" },
        { "paths", "/srv/a /srv/a/b", "paths /srv/a and /srv/a/b overlap; list only /srv/a" },
        { "paths", "/", "paths contains '/'; list the directories to share, not the root" },
        { "paths", "/srv/../etc", "parameter paths: '/srv/../etc' contains '..'" },
        { "paths", "", "paths lists no path; list the directories to put on shared storage" },
        { "shared_root", "/", "shared_root is '/'; set it to the mount point of the shared storage" },
        { "shared_root", "", "parameter shared_root is required but not set" },
        { "backup_suffix", "/x", "parameter backup_suffix: must not contain '/'" },
        { "require_mountpoint", "perhaps", "parameter require_mountpoint: 'perhaps' is not a boolean (use true or false)" },
    };

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public void Each_bad_parameter_is_not_configured_with_a_reason_naming_it(string key, string value, string reason)
    {
        var tree = new SharedTree(count: 1);
        var p = tree.Params((key, value));
        if (key == "paths" && value.Length == 0) p["paths"] = " ";
        foreach (var action in new[] { "validate-all", "start" })
        {
            var r = Do(action, p);
            Assert.True(r.Code == 6, $"{action}: {r}");
            Assert.Equal(Reason.Shown(reason), r.ExitReason);
        }
    }

    [Fact]
    public void A_shared_root_inside_a_link_path_or_a_target_outside_the_shared_root_is_refused()
    {
        var tree = new SharedTree(count: 2);
        var inside = Do("validate-all", tree.Params(("shared_root", tree.Paths[0] + "/ha")));
        Assert.Equal(6, inside.Code);
        Assert.Equal(Reason.Shown($"shared_root {tree.Paths[0]}/ha lies inside link path {tree.Paths[0]}; linking would hide it"), inside.ExitReason);

        var outside = Do("validate-all", tree.Params(("mapping", $"{tree.Paths[1]}=/usr/share")));
        Assert.Equal(6, outside.Code);
        Assert.Equal(Reason.Shown($"mapping target /usr/share is not inside shared_root {tree.Root}"), outside.ExitReason);

        var escape = Do("validate-all", tree.Params(("mapping", $"{tree.Paths[1]}={tree.Root}/../escape")));
        Assert.Equal(6, escape.Code);
        Assert.Equal(Reason.Shown($"mapping: '{tree.Root}/../escape' contains '..'"), escape.ExitReason);

        var mapped = tree.Params(("mapping", $"{tree.Paths[1]}={tree.Root}/sn-tftp"));
        Directory.CreateDirectory($"{tree.Root}/sn-tftp");
        Assert.Equal(0, Do("start", mapped).Code);
        Assert.Equal($"{tree.Root}/sn-tftp", new FileInfo(tree.Paths[1]).LinkTarget);
    }

    [Fact]
    public void Stop_and_probe_with_a_broken_configuration_answer_stopped_when_no_link_of_ours_exists()
    {
        var tree = new SharedTree();
        var broken = tree.Params(("paths", string.Join(' ', tree.Paths) + " " + tree.Paths[0]));
        Assert.Equal(0, Do("stop", broken).Code);
        Assert.Equal(7, Do("monitor", broken).Code);
        Assert.Equal(6, Do("monitor", broken, Recurring()).Code);

        Assert.Equal(0, Do("start", tree.Params()).Code);
        var refused = Do("stop", broken);
        Assert.Equal(6, refused.Code);
        Assert.True(tree.IsLinked(tree.Paths[0]));
    }

    [Fact]
    public void Migrate_to_hands_over_by_deactivating_and_migrate_from_activates_on_the_target()
    {
        var tree = new SharedTree();
        var p = tree.Params();
        var peers = new Dictionary<string, string>
        {
            ["OCF_RESKEY_CRM_meta_migrate_source"] = "mn1", ["OCF_RESKEY_CRM_meta_migrate_target"] = "mn2",
        };
        Assert.Equal(0, Do("start", p).Code);
        var to = Do("migrate_to", p, peers);
        Assert.True(to.Code == 0, to.ToString());
        Assert.Contains("handing over from mn1 to mn2", to.Stderr);
        tree.AssertDeactivated();
        var from = Do("migrate_from", p, peers);
        Assert.True(from.Code == 0, from.ToString());
        tree.AssertActivated();
        Assert.Equal(0, Do("stop", p).Code);
    }

    [Fact]
    public void Every_failure_prints_exactly_one_exit_reason_and_successes_print_none()
    {
        var tree = new SharedTree();
        Assert.Empty(Do("start", tree.Params()).ExitReasons);
        Assert.Empty(Do("monitor", tree.Params()).ExitReasons);
        Assert.Single(Do("start", tree.Params(("shared_root", "nope"))).ExitReasons);
        Assert.Empty(Do("stop", tree.Params()).ExitReasons);
    }

    [Fact]
    public void Logs_go_to_HA_LOGFILE_with_one_line_per_decision()
    {
        var tree = new SharedTree(count: 2);
        var logFile = Path.Combine(tree.Base, "ha.log");
        Assert.Equal(0, Do("start", tree.Params(), new() { ["HA_LOGFILE"] = logFile }).Code);
        var lines = File.ReadAllLines(logFile);
        Assert.Contains(lines, l => l.Contains($"shareddata(test)") && l.Contains($"INFO: {tree.Paths[0]}: moved real data aside to {tree.Backup(tree.Paths[0])}"));
        Assert.Contains(lines, l => l.Contains($"INFO: {tree.Paths[1]}: linked to {tree.Target(tree.Paths[1])}"));
        Assert.Contains(lines, l => l.Contains("INFO: start: running, verified by monitor"));
    }

    /// <summary>
    /// shareddata is linked statically against glibc (Directory.Build.props). That
    /// is safe only while no action reaches a glibc function that loads shared libraries at run
    /// time (NSS: user, group, host lookups): under strace, every action of a full life cycle
    /// opens no shared object, and the binary asks for no program interpreter.
    /// </summary>
    [Fact]
    public void Shareddata_is_one_static_executable_that_loads_no_shared_library_in_any_action()
    {
        var headers = Run.Command(["readelf", "--program-headers", "--wide", Agent]);
        Assert.True(headers.Code == 0, headers.ToString());
        Assert.DoesNotContain("INTERP", headers.Stdout);
        Assert.DoesNotContain("DYNAMIC", headers.Stdout);

        var tree = new SharedTree();
        var trace = Path.Combine(tree.Base, "strace");
        var actions = new[] { "meta-data", "validate-all", "monitor", "start", "monitor", "stop", "manpage" };
        foreach (var (action, i) in actions.Select((a, i) => (a, i)))
        {
            var r = Run.Agent(Agent, action, tree.Params(), action == "monitor" && i > 3 ? Recurring(10) : null,
                wrapper: ["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", $"{trace}.{i}"]);
            Assert.True(r.Code is 0 or 7, $"{action}: {r}");
            var opened = File.ReadAllLines($"{trace}.{i}");
            Assert.NotEmpty(opened);
            Assert.DoesNotContain(opened, l => l.Contains(".so\"") || l.Contains(".so."));
        }
        tree.AssertDeactivated();
    }
}
