using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// ocf:xcat:nfs4replica backend=kernel with the real exportfs (nfs-kernel-server), each run in a
/// private mount namespace whose /var/lib/nfs is a temp directory: the host's export table is
/// never touched. This kernel has no nfsd, so exportfs writes etab only — which is what
/// `exportfs -s` reads and what the agent checks. The one thing of nfsd's the agent reads besides,
/// its thread count, is given as the kernel would show it: a /proc/fs/nfsd/threads file in the
/// namespace (8 = running unless a test says otherwise; "none" = no nfsd at all).
/// </summary>
public sealed class Nfs4ReplicaKernelTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ocfagents-nfs.").FullName;
    private string VarLibNfs => Path.Combine(_root, "var-lib-nfs");
    private string Install => Path.Combine(_root, "shared", "install");
    private static string Agent => Built.Release("nfs4replica");

    public Nfs4ReplicaKernelTests()
    {
        Directory.CreateDirectory(VarLibNfs);
        File.WriteAllText(Path.Combine(VarLibNfs, "etab"), ""); // nfs-kernel-server's postinst makes it on a real server
        Directory.CreateDirectory(Install);
        File.WriteAllText(Path.Combine(Install, "hello"), "x");
    }

    public void Dispose() => Directory.Delete(_root, true);

    private Dictionary<string, string> Params(params (string, string)[] overrides)
    {
        var p = new Dictionary<string, string>
        {
            ["directory"] = Install, ["replicas"] = "127.0.0.1 10.0.0.2", ["fsid"] = "7", ["state_dir"] = Path.Combine(_root, "state"),
        };
        foreach (var (k, v) in overrides) p[k] = v;
        return p;
    }

    /// <summary>
    /// argv run in a fresh mount namespace with our /var/lib/nfs and nfsd's thread count;
    /// <paramref name="readOnly"/>, if given, is bind-mounted read-only onto itself there;
    /// <paramref name="clientInfo"/>, if given, is the info file of one NFSv4 client in nfsd's
    /// client list (/proc/fs/nfsd/clients/1/info), as the kernel writes it.
    /// </summary>
    private AgentResult InNamespace(IReadOnlyList<string> argv, Dictionary<string, string>? env = null, string nfsdThreads = "8", string readOnly = "", string clientInfo = "") =>
        Run.Command(["unshare", "--mount", "sh", "-c",
            "mount --bind \"$0\" /var/lib/nfs && mount -t tmpfs nfsd-threads /proc/fs && " +
            "if [ \"$1\" != none ]; then mkdir /proc/fs/nfsd && echo \"$1\" > /proc/fs/nfsd/threads; fi && " +
            "if [ -n \"$2\" ]; then mount --bind \"$2\" \"$2\" && mount -o remount,bind,ro \"$2\"; fi && " +
            "if [ -n \"$3\" ]; then mkdir -p /proc/fs/nfsd/clients/1 && printf '%s' \"$3\" > /proc/fs/nfsd/clients/1/info; fi && shift 3 && exec \"$@\"",
            VarLibNfs, nfsdThreads, readOnly, clientInfo, .. argv], env: env);

    /// <summary>
    /// The state directory on a file system that went read-only (an error-remounted /run, say):
    /// start cannot record its export — 4 ("insufficient privileges": nothing this node can
    /// retry), with the reason in words, and nothing exported.
    /// </summary>
    [Fact]
    public void A_read_only_state_directory_is_exit_4_in_words_and_nothing_is_exported()
    {
        var state = Path.Combine(_root, "state");
        Directory.CreateDirectory(state);
        File.SetUnixFileMode(state, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var e = new Dictionary<string, string> { ["OCF_ROOT"] = "/usr/lib/ocf", ["OCF_RESOURCE_INSTANCE"] = "sn1_install", ["HA_RSCTMP"] = Run.RscTmp(Params()) };
        foreach (var (k, v) in Params()) e["OCF_RESKEY_" + k] = v;
        var r = InNamespace([Agent, "start"], e, readOnly: state);
        Assert.True(r.Code == 4, r.ToString());
        Assert.Contains("Read-only file system", r.ExitReason);
        Assert.DoesNotContain("IO_", r.Stderr);
        Assert.DoesNotContain(ExportTable(), l => l.StartsWith(Install, StringComparison.Ordinal));
    }

    private AgentResult Do(string action, Dictionary<string, string>? p = null, Dictionary<string, string>? env = null, string nfsdThreads = "8", string clientInfo = "")
    {
        var e = new Dictionary<string, string> { ["OCF_ROOT"] = "/usr/lib/ocf", ["OCF_RESOURCE_INSTANCE"] = "sn1_install" };
        foreach (var (k, v) in p ?? Params()) e["OCF_RESKEY_" + k] = v;
        e["HA_RSCTMP"] = Run.RscTmp(p ?? Params());
        foreach (var (k, v) in env ?? []) e[k] = v;
        return InNamespace([Agent, action], e, nfsdThreads, clientInfo: clientInfo);
    }

    /// <summary>
    /// After a reboot or fencing, etab still lists what was exported before; tmpfs lost this
    /// boot's start record. A probe then is 7: nothing of ours is served (it used to say 0).
    /// </summary>
    [Fact]
    public void A_stale_etab_line_from_before_a_reboot_is_not_taken_for_a_running_export()
    {
        Assert.Equal(0, Do("start").Code);
        Directory.Delete(Path.Combine(_root, "state"), recursive: true); // the reboot, as far as tmpfs goes
        Assert.Contains(ExportTable(), l => l.StartsWith(Install, StringComparison.Ordinal));
        var probe = Do("monitor");
        Assert.True(probe.Code == 7, probe.ToString());
        Assert.Contains("no start of this boot recorded it", probe.Stderr);
        var start = Do("start");
        Assert.True(start.Code == 0, start.ToString());
        Assert.Equal(0, Do("stop").Code);
    }

    [Theory]
    [InlineData("0", "runs no threads")]
    [InlineData("none", "is not running")]
    public void An_export_whose_nfsd_is_down_fails_monitor_naming_it_and_stop_unexports(string threads, string reason)
    {
        Assert.Equal(0, Do("start").Code);
        var m = Do("monitor", nfsdThreads: threads);
        Assert.Equal(1, m.Code);
        Assert.Contains($"the kernel NFS server {reason}", m.ExitReason);
        var start = Do("start", nfsdThreads: threads);
        Assert.Equal(1, start.Code);
        var stop = Do("stop", nfsdThreads: threads);
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.DoesNotContain(ExportTable(), l => l.StartsWith(Install, StringComparison.Ordinal));
    }

    private string[] ExportTable()
    {
        var r = InNamespace(["exportfs", "-s"]);
        Assert.True(r.Code == 0, r.ToString());
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Theory]
    [InlineData("127.0.0.1 10.0.0.2", "replicas={0}@127.0.0.1:{0}@10.0.0.2")]
    [InlineData("127.0.0.1 10.0.0.2 10.0.0.3", "replicas={0}@127.0.0.1:{0}@10.0.0.2:{0}@10.0.0.3")]
    [InlineData("127.0.0.1+10.0.0.5 /srv/sn2/install@10.0.0.2", "replicas={0}@127.0.0.1+10.0.0.5:/srv/sn2/install@10.0.0.2")]
    [InlineData("10.0.0.2 127.0.0.1", "replicas={0}@127.0.0.1:{0}@10.0.0.2")]
    [InlineData("10.0.0.2 10.0.0.3 127.0.0.1", "replicas={0}@127.0.0.1:{0}@10.0.0.2:{0}@10.0.0.3")]
    public void Start_exports_with_the_replica_list_this_server_first_and_stop_unexports(string replicas, string expected)
    {
        Assert.Equal(7, Do("monitor", Params(("replicas", replicas))).Code);
        var start = Do("start", Params(("replicas", replicas)));
        Assert.True(start.Code == 0, start.ToString());
        Assert.Equal([$"{Install}  *(sync,wdelay,hide,no_subtree_check,fsid=7,{string.Format(expected, Install)},sec=sys,ro,root_squash,no_all_squash)"], ExportTable());
        Assert.Equal(0, Do("monitor", Params(("replicas", replicas))).Code);
        Assert.Equal(0, Do("start", Params(("replicas", replicas))).Code);

        var stop = Do("stop", Params(("replicas", replicas)));
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.Empty(ExportTable());
        Assert.Equal(7, Do("monitor", Params(("replicas", replicas))).Code);
        Assert.Equal(0, Do("stop", Params(("replicas", replicas))).Code);
    }

    [Fact]
    public void A_symlinked_directory_is_exported_by_its_real_path_so_that_stop_can_unexport_it()
    {
        var link = Path.Combine(_root, "install-link");
        File.CreateSymbolicLink(link, Install);
        var p = Params(("directory", link));
        Assert.Equal(0, Do("start", p).Code);
        Assert.StartsWith($"{Install}  *(", Assert.Single(ExportTable()));
        Assert.Equal(0, Do("monitor", p).Code);
        Assert.Equal(0, Do("stop", p).Code);
        Assert.Empty(ExportTable());
    }

    [Fact]
    public void An_export_whose_options_were_changed_by_hand_fails_monitor_and_start_restores_ours()
    {
        Assert.Equal(0, Do("start").Code);
        Assert.Equal(0, InNamespace(["exportfs", "-o", "rw,no_subtree_check", $"*:{Install}"]).Code);
        var m = Do("monitor");
        Assert.Equal(1, m.Code);
        Assert.StartsWith($"export {Install} to * lacks ro,fsid=7,replicas=", m.ExitReason);
        var start = Do("start");
        Assert.True(start.Code == 0, start.ToString());
        Assert.Contains(",ro,", Assert.Single(ExportTable()));
        Assert.Equal(0, Do("monitor").Code);
        Assert.Equal(0, Do("stop").Code);
    }

    [Fact]
    public void Stop_after_the_directory_has_gone_unexports_the_recorded_path()
    {
        Assert.Equal(0, Do("start").Code);
        Directory.Move(Install, Install + ".away");
        var m = Do("monitor");
        Assert.Equal(1, m.Code);
        Assert.Contains("has gone while", m.ExitReason);
        Assert.Equal(0, Do("stop").Code);
        Assert.Empty(ExportTable());
    }

    [Fact]
    public void An_export_still_stops_when_this_node_is_no_longer_in_replicas()
    {
        Assert.Equal(0, Do("start").Code);
        var moved = Params(("replicas", "10.0.0.2 10.0.0.3"));
        Assert.Equal(5, Do("monitor", moved, new() { ["OCF_RESKEY_CRM_meta_interval"] = "10000" }).Code);
        var stop = Do("stop", moved);
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.Empty(ExportTable());
    }

    private static readonly Dictionary<string, string> Migrate = new() { ["OCF_RESKEY_CRM_meta_migrate_source"] = "sn1", ["OCF_RESKEY_CRM_meta_migrate_target"] = "sn2" };

    /// <summary>
    /// With insecure in options, migrate_to keeps the export serving; the stop after migrate_from
    /// makes it a referral to the partner (refer=, no replicas=), waits (here the kernel lists no
    /// clients, so handover_wait), then unexports. What a client does with the referral is
    /// Nfs4ReplicaNfsClientTests' part.
    /// </summary>
    [Fact]
    public void Migrate_to_keeps_serving_and_the_stop_that_follows_refers_clients_to_the_partner_then_unexports()
    {
        var p = Params(("options", "ro,no_subtree_check,insecure"), ("handover_wait", "1"));
        Assert.Equal(0, Do("start", p).Code);
        var to = Do("migrate_to", p, Migrate);
        Assert.True(to.Code == 0, to.ToString());
        Assert.Contains("the stop after migrate_from refers clients to " + Install + "@10.0.0.2", to.Stderr);
        Assert.Contains($",replicas={Install}@127.0.0.1:{Install}@10.0.0.2,", Assert.Single(ExportTable()));
        Assert.Equal(0, Do("monitor", p).Code);
        var stop = Do("stop", p, Migrate);
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.Contains($"{Install} refers clients to {Install}@10.0.0.2", stop.Stderr);
        Assert.Contains("does not say when its NFSv4 clients last spoke", stop.Stderr);
        Assert.Empty(ExportTable());
        Assert.Equal(7, Do("monitor", p).Code);
    }

    /// <summary>
    /// The referral ends once no client has spoken to this server for 5 s, not after all of
    /// handover_wait; a client still on NFSv4.0, which would not follow it, is named with the fix.
    /// </summary>
    [Fact]
    public void A_handover_ends_when_the_server_is_quiet_and_names_an_NFSv4_0_client()
    {
        const string info = "clientid: 0x5c6a1e2f3b4d5e6f\naddress: \"10.0.0.50:876\"\nstatus: confirmed\nseconds from last renew: 40\n" +
                            "name: \"Linux NFSv4.0 cn1\"\nminor version: 0\ncallback state: UP\ncallback address: 10.0.0.50:0\n";
        var p = Params(("options", "ro,no_subtree_check,insecure"), ("handover_wait", "60"));
        Assert.Equal(0, Do("start", p).Code);
        Assert.Equal(0, Do("migrate_to", p, Migrate).Code);
        var stop = Do("stop", p, Migrate, clientInfo: info);
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.Contains("client 10.0.0.50:876 mounts with NFSv4.0, whose Linux client does not follow a referral (its reads hang): mount with vers=4.1 or later", stop.Stderr);
        Assert.Contains("no NFSv4 client has spoken to this server since: unexporting the referral", stop.Stderr);
        Assert.Empty(ExportTable());
    }

    /// <summary>A start after migrate_to (the migration abandoned, the export started here again) cancels the handover: the next stop is a plain one.</summary>
    [Fact]
    public void A_start_after_migrate_to_cancels_the_handover()
    {
        var p = Params(("options", "ro,no_subtree_check,insecure"), ("handover_wait", "1"));
        Assert.Equal(0, Do("start", p).Code);
        Assert.Equal(0, Do("migrate_to", p, Migrate).Code);
        Assert.Equal(0, InNamespace(["exportfs", "-u", $"*:{Install}"]).Code);
        Assert.Equal(0, Do("start", p).Code);
        var stop = Do("stop", p);
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.DoesNotContain("refers clients", stop.Stderr);
        Assert.Empty(ExportTable());
    }

    /// <summary>Without insecure a re-homed client would be refused by the partner: migrate_to says so and stops the export, as before handovers.</summary>
    [Fact]
    public void Migrate_to_without_insecure_says_why_there_is_no_handover_and_unexports_here_and_migrate_from_exports_again()
    {
        Assert.Equal(0, Do("start").Code);
        var migrate = Migrate;
        var to = Do("migrate_to", env: migrate);
        Assert.Equal(0, to.Code);
        Assert.Contains("no handover: options lacks insecure", to.Stderr);
        Assert.Empty(ExportTable());
        Assert.Equal(0, Do("migrate_from", env: migrate).Code);
        Assert.Single(ExportTable());
        Assert.Equal(0, Do("stop").Code);
    }

    [Theory]
    [InlineData("replicas", "127.0.0.1 sn2", 6, "replica host 'sn2' is not an IPv4 address")]
    [InlineData("replicas", "127.0.0.1 fe80::1", 6, "replica host 'fe80::1' is not an IPv4 address")]
    [InlineData("replicas", "10.0.0.2 10.0.0.3", 5, "self missing from replicas: no address of this node is in '10.0.0.2 10.0.0.3'")]
    [InlineData("options", "ro,refer=/install@10.0.0.2", 6, "options has refer=, which exportfs silently drops")]
    [InlineData("options", "ro,fsid=3", 6, "options has fsid=; use the fsid parameter")]
    [InlineData("backend", "nfsd", 6, "backend: 'nfsd' is not one of kernel, ganesha")]
    public void Bad_input_gets_its_documented_code_and_reason_and_exports_nothing(string name, string value, int code, string reason)
    {
        foreach (var action in new[] { "start", "validate-all" })
        {
            var r = Do(action, Params((name, value)));
            Assert.Equal(code, r.Code);
            Assert.Contains(reason, r.Stderr);
        }
        Assert.Empty(ExportTable());
    }

    [Fact]
    public void A_directory_missing_on_this_node_is_5_for_start_and_a_probe_says_not_running()
    {
        var p = Params(("directory", Path.Combine(_root, "not-mounted", "install")));
        var r = Do("start", p);
        Assert.Equal(5, r.Code);
        Assert.StartsWith($"directory {_root}/not-mounted/install does not exist on this node", r.ExitReason);
        Assert.Equal(7, Do("monitor", p, new() { ["OCF_RESKEY_CRM_meta_interval"] = "0" }).Code);
        Assert.Equal(0, Do("stop", p).Code);
    }

    private (Dictionary<string, string> Params, string Persistent, string Partner) WithSync(SshdFixture sshd, params (string, string)[] more)
    {
        var persistent = Path.Combine(_root, "shared", "statelite", "persistent");
        Directory.CreateDirectory(Path.Combine(persistent, "cn1", "var", "log"));
        File.WriteAllBytes(Path.Combine(persistent, "cn1", "var", "log", "messages"), Enumerable.Range(0, 70000).Select(i => (byte)(i * 7)).ToArray());
        File.WriteAllText(Path.Combine(persistent, "cn1", "hostname"), "cn1\n");
        File.CreateSymbolicLink(Path.Combine(persistent, "cn1", "log"), "var/log");
        var partner = Path.Combine(_root, "partner");
        Directory.CreateDirectory(partner);
        var p = Params([("sync_paths", persistent), ("sync_partner", "127.0.0.1"), ("ssh_port", sshd.Port.ToString()),
            ("ssh_key", sshd.ClientKey), ("known_hosts", sshd.KnownHosts), ("sync_remote_prefix", partner), .. more]);
        return (p, persistent, partner + persistent);
    }

    private static void AssertSameTree(string expected, string actual)
    {
        var want = Directory.EnumerateFileSystemEntries(expected, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expected, f)).Order().ToList();
        var have = Directory.EnumerateFileSystemEntries(actual, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actual, f)).Order().ToList();
        Assert.Equal(want, have);
        foreach (var rel in want)
        {
            var (a, b) = (new FileInfo(Path.Combine(expected, rel)), new FileInfo(Path.Combine(actual, rel)));
            Assert.Equal(a.LinkTarget, b.LinkTarget);
            if (a.LinkTarget is null && File.Exists(a.FullName)) Assert.Equal(File.ReadAllBytes(a.FullName), File.ReadAllBytes(b.FullName));
        }
    }

    [Fact]
    public void Migrate_to_pushes_the_read_write_paths_to_the_partner_byte_for_byte_and_deletes_nothing_there()
    {
        using var sshd = new SshdFixture();
        var (p, persistent, copy) = WithSync(sshd);
        Directory.CreateDirectory(copy);
        File.WriteAllText(Path.Combine(copy, "only-on-partner"), "keep me");
        Assert.Equal(0, Do("start", p).Code);
        var to = Do("migrate_to", p, new() { ["OCF_RESKEY_CRM_meta_migrate_target"] = "sn2" });
        Assert.True(to.Code == 0, to.ToString());
        Assert.Contains("sync (migrate_to): " + persistent, to.Stderr);
        Assert.Contains("2 files transferred, 70004 bytes", to.Stderr);
        Assert.Empty(ExportTable());
        File.Delete(Path.Combine(copy, "only-on-partner"));
        AssertSameTree(persistent, copy);
    }

    [Fact]
    public void With_sync_delete_files_gone_here_are_removed_on_the_partner_at_stop()
    {
        using var sshd = new SshdFixture();
        var (p, persistent, copy) = WithSync(sshd, ("sync_delete", "true"));
        Directory.CreateDirectory(copy);
        File.WriteAllText(Path.Combine(copy, "stale"), "old");
        Assert.Equal(0, Do("start", p).Code);
        var stop = Do("stop", p);
        Assert.True(stop.Code == 0, stop.ToString());
        AssertSameTree(persistent, copy);
    }

    [Fact]
    public void An_unreachable_partner_fails_migrate_to_but_not_stop()
    {
        using var sshd = new SshdFixture();
        var (p, _, _) = WithSync(sshd, ("ssh_port", DatabaseFixture.FreeTcpPort().ToString()));
        Assert.Equal(0, Do("start", p).Code);
        var to = Do("migrate_to", p);
        Assert.Equal(1, to.Code);
        Assert.StartsWith($"sync of {_root}/shared/statelite/persistent to 127.0.0.1 (migrate_to) failed (rsync exit", to.ExitReason);
        Assert.Single(ExportTable());
        var stop = Do("stop", p);
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.Contains("stopping anyway", stop.Stderr);
        Assert.Empty(ExportTable());
    }

    [Fact]
    public void Sync_without_a_partner_is_not_configured_and_an_unreadable_key_is_not_installed()
    {
        var none = Do("validate-all", Params(("sync_paths", Install), ("replicas", "127.0.0.1")));
        Assert.Equal(6, none.Code);
        Assert.StartsWith("sync_paths needs a partner", none.ExitReason);
        var key = Do("validate-all", Params(("sync_paths", Install), ("ssh_key", "/nonexistent/id_ed25519")));
        Assert.Equal(5, key.Code);
        Assert.StartsWith("ssh_key /nonexistent/id_ed25519 is unreadable", key.ExitReason);
        // A node without rsync (PATH without /usr/bin, where Debian puts it; exportfs stays reachable in /usr/sbin).
        var noRsync = Run.Agent(Agent, "validate-all", Params(("sync_paths", Install)), env: new() { ["PATH"] = "/usr/sbin:/sbin" });
        Assert.Equal(5, noRsync.Code);
        Assert.Equal("rsync is not installed; sync_paths needs rsync and OpenSSH's client", noRsync.ExitReason);
    }

    [Fact]
    public void A_start_or_stop_killed_at_any_step_converges_on_a_re_run()
    {
        AgentResult Hooked(string action, string variable, int value)
        {
            var e = new Dictionary<string, string> { ["OCF_ROOT"] = "/usr/lib/ocf", ["OCF_RESOURCE_INSTANCE"] = "sn1_install", [variable] = value.ToString() };
            foreach (var (k, v) in Params()) e["OCF_RESKEY_" + k] = v;
            return InNamespace([Built.WithHooks("nfs4replica"), action], e);
        }
        int Boundaries(string action) => Hooked(action, "OCFAGENTS_CRASH_TRACE", 1).Stderr.Split('\n').Count(l => l.StartsWith("crash-point "));
        var starts = Boundaries("start");
        var stops = Boundaries("stop");
        Assert.True(starts >= 2 && stops >= 1, $"{starts} crash points in start, {stops} in stop");
        for (var b = 1; b <= starts; b++)
        {
            Assert.True(Hooked("start", "OCFAGENTS_CRASH_AT", b).Code == 137, $"start not killed at {b}");
            Assert.Equal(0, Do("start").Code);
            Assert.Equal(0, Do("monitor").Code);
            Assert.Equal(0, Do("stop").Code);
            Assert.Empty(ExportTable());
        }
        for (var b = 1; b <= stops; b++)
        {
            Assert.Equal(0, Do("start").Code);
            Assert.True(Hooked("stop", "OCFAGENTS_CRASH_AT", b).Code == 137, $"stop not killed at {b}");
            Assert.Equal(0, Do("stop").Code);
            Assert.Empty(ExportTable());
            Assert.Equal(7, Do("monitor").Code);
        }
    }

    [Fact]
    public void The_ocf_harness_passes_in_the_private_mount_namespace()
    {
        var r = Harness.Run(Agent, Params(), runner: argv => InNamespace(argv));
        Assert.True(r.Code == 0, r.Report);
        Assert.Empty(r.Failed);
        Assert.Empty(ExportTable());
    }

    [Fact]
    public void Ocf_tester_passes()
    {
        var argv = new List<string> { "ocf-tester", "-n", "sn1_install" };
        foreach (var (k, v) in Params()) argv.AddRange(["-o", $"{k}={v}"]);
        argv.Add(Agent);
        var r = InNamespace(argv);
        Assert.True(r.Code == 0, r.Stdout + r.Stderr);
        Assert.Equal(0, Do("stop").Code);
        Assert.Empty(ExportTable());
    }
}
