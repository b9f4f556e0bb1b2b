using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>ocf:xcat:nfs4replica backend=ganesha against a real ganesha.nfsd on a private D-Bus, checked with a real NFSv4 client.</summary>
public sealed class Nfs4ReplicaGaneshaTests : IDisposable
{
    private readonly GaneshaFixture ganesha = new();
    private string Install => Path.Combine(ganesha.Root, "shared", "install");
    private static string Agent => Built.Release("nfs4replica");

    public Nfs4ReplicaGaneshaTests()
    {
        Directory.CreateDirectory(Install);
        File.WriteAllText(Path.Combine(Install, "postscripts.tar"), "x");
    }

    public void Dispose() => ganesha.Dispose();

    private Dictionary<string, string> Params(params (string, string)[] overrides)
    {
        var p = new Dictionary<string, string>
        {
            ["backend"] = "ganesha", ["directory"] = Install, ["export_id"] = "77", ["pseudo"] = "/install",
            ["dbus_address"] = ganesha.BusAddress, ["state_dir"] = Path.Combine(ganesha.Root, "state"),
        };
        foreach (var (k, v) in overrides) p[k] = v;
        return p;
    }

    private AgentResult Do(string action, Dictionary<string, string>? p = null) => Run.Agent(Agent, action, p ?? Params());

    [Fact]
    public void Start_adds_the_export_that_a_real_NFSv4_client_lists_and_stop_removes_it()
    {
        Assert.Equal(7, Do("monitor").Code);
        var start = Do("start");
        Assert.True(start.Code == 0, start.ToString());
        var listed = ganesha.List("/install");
        Assert.True(listed.Code == 0, listed.ToString());
        Assert.Contains("postscripts.tar", listed.Stdout);
        Assert.Equal(0, Do("monitor").Code);
        Assert.Equal(0, Do("start").Code);

        var stop = Do("stop");
        Assert.True(stop.Code == 0, stop.ToString());
        var refused = ganesha.List("/install");
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("NFS4ERR_NOENT", refused.Stdout + refused.Stderr);
        Assert.Equal(7, Do("monitor").Code);
        Assert.Equal(0, Do("stop").Code);
    }

    /// <summary>The options word of NAME's entry in gdbus's rendering of DisplayExport (the ninth field of the client struct).</summary>
    private static uint ClientOptions(string displayed, string name) =>
        uint.Parse(displayed[displayed.IndexOf($"('{name}'", StringComparison.Ordinal)..].Split(", ")[8].Replace("uint32 ", ""));

    /// <summary>
    /// Access and squash are read back from Ganesha's own answer (DisplayExport's client list):
    /// what start asked for is what monitor finds, and an export changed behind the agent's back
    /// (the real export manager's UpdateExport) fails monitor naming what differs.
    /// </summary>
    [Fact]
    public void Monitor_reads_back_the_access_and_squash_Ganesha_applies_and_fails_when_they_were_changed()
    {
        var p = Params(("options", "rw,no_root_squash"), ("clientspec", "127.0.0.1"));
        var start = Do("start", p);
        Assert.True(start.Code == 0, start.ToString());
        var options = ClientOptions(ganesha.Gdbus("DisplayExport", "77").Stdout, "127.0.0.1/32");
        Assert.Equal((0x1e0u, 0u), (options & 0x1e0, options & 0x7)); // read, write and metadata access; no squash
        Assert.Equal(0, Do("monitor", p).Code);

        var block = Directory.GetFiles(Path.Combine(ganesha.Root, "state"), "*.ganesha.conf").Single();
        var changed = Path.Combine(ganesha.Root, "changed.conf");
        File.WriteAllText(changed, File.ReadAllText(block).Replace("Access_Type = RW; Squash = no_root_squash", "Access_Type = RO; Squash = all_squash"));
        var update = ganesha.Gdbus("UpdateExport", changed, "EXPORT(Export_Id=77)");
        Assert.True(update.Code == 0, update.ToString());

        var monitor = Do("monitor", p);
        Assert.Equal(1, monitor.Code);
        Assert.Equal("Ganesha export 77: 127.0.0.1/32 gets RO, all_squash, not RW, no_root_squash (changed by UpdateExport or by hand)", monitor.ExitReason);
        Assert.Equal(0, Do("stop", p).Code);
        Assert.Equal(0, Do("start", p).Code);
        Assert.Equal(0, Do("monitor", p).Code);
        Assert.Equal(0, Do("stop", p).Code);
    }

    /// <summary>
    /// client_spec limits who may mount: the export level gives no access, so a real client whose
    /// address is not in client_spec is refused (an export-level Access_Type would let it in).
    /// </summary>
    [Fact]
    public void A_client_outside_client_spec_is_refused_by_Ganesha()
    {
        var p = Params(("clientspec", "10.9.9.9"));
        Assert.Equal(0, Do("start", p).Code);
        var refused = ganesha.List("/install");
        Assert.NotEqual(0, refused.Code);
        Assert.DoesNotContain("postscripts.tar", refused.Stdout);
        Assert.Equal(0, Do("stop", p).Code);
        var p2 = Params(("clientspec", "127.0.0.1"));
        Assert.Equal(0, Do("start", p2).Code);
        Assert.Contains("postscripts.tar", ganesha.List("/install").Stdout);
        Assert.Equal(0, Do("stop", p2).Code);
    }

    [Fact]
    public void A_client_name_Ganesha_cannot_resolve_fails_the_start_saying_so()
    {
        var p = Params(("clientspec", "no-such-host.invalid"));
        var start = Do("start", p);
        Assert.Equal(1, start.Code);
        Assert.StartsWith("Ganesha cannot resolve a name in clientspec 'no-such-host.invalid' (listed as <unknown>, no access)", start.ExitReason);
        Assert.Equal(0, Do("stop", p).Code);
        Assert.Equal(7, Do("monitor", p).Code);
    }

    /// <summary>
    /// The export manager is spoken to over D-Bus by the agent itself (Tmds.DBus.Protocol): under
    /// strace, a whole life cycle runs no program at all (it used to run gdbus for every call).
    /// </summary>
    [Fact]
    public void A_life_cycle_against_Ganesha_runs_no_child_process()
    {
        var trace = Path.Combine(ganesha.Root, "execve.strace");
        foreach (var action in new[] { "monitor", "start", "monitor", "stop", "monitor" })
        {
            var r = Run.Agent(Agent, action, Params(), wrapper: ["strace", "-f", "-qq", "-e", "trace=execve,fork,vfork,clone3", "-o", trace + "." + action]);
            Assert.True(r.Code == (action == "monitor" ? r.Code : 0), r.ToString());
            var calls = File.ReadAllLines(trace + "." + action);
            // The one execve is strace starting the agent; no fork, vfork or clone3 without CLONE_THREAD.
            Assert.Single(calls, l => l.Contains("execve("));
            Assert.DoesNotContain(calls, l => l.Contains("fork(") || (l.Contains("clone3(") && !l.Contains("CLONE_THREAD")));
        }
        Assert.Equal(7, Do("monitor").Code);
    }

    [Fact]
    public void A_symlinked_directory_is_exported_by_its_real_path_which_ganesha_requires()
    {
        var link = Path.Combine(ganesha.Root, "install-link");
        File.CreateSymbolicLink(link, Install);
        var start = Do("start", Params(("directory", link)));
        Assert.True(start.Code == 0, start.ToString());
        Assert.Contains($"'{Install}'", ganesha.Gdbus("DisplayExport", "77").Stdout);
        Assert.Contains("postscripts.tar", ganesha.List("/install").Stdout);
        Assert.Equal(0, Do("stop", Params(("directory", link))).Code);
    }

    [Fact]
    public void Replicas_with_ganesha_are_a_configuration_error_that_says_why()
    {
        var r = Do("validate-all", Params(("replicas", "127.0.0.1 10.0.0.2")));
        Assert.Equal(6, r.Code);
        Assert.StartsWith("replicas cannot be advertised with backend=ganesha", r.ExitReason);
    }

    [Fact]
    public void An_export_id_taken_by_another_export_is_refused_and_left_alone()
    {
        var other = Path.Combine(ganesha.Root, "other");
        Directory.CreateDirectory(other);
        Assert.Equal(0, Do("start", Params(("directory", other), ("pseudo", "/other"))).Code);
        Assert.Equal(7, Do("monitor").Code); // ours is not running
        var start = Do("start");
        Assert.Equal(1, start.Code);
        Assert.StartsWith("Ganesha export 77 exports ", start.ExitReason);
        Assert.Contains($"Ganesha export 77 exports {other}, not {Install}: the Export_Id is taken; choose another export_id", start.Stderr);
        Assert.Equal(0, Do("stop").Code); // not ours: left alone
        Assert.Contains($"'{other}'", ganesha.Gdbus("DisplayExport", "77").Stdout);
    }

    [Fact]
    public void With_ganesha_down_monitor_says_not_running_and_start_says_why()
    {
        ganesha.StopGanesha();
        Assert.Equal(7, Do("monitor").Code);
        var r = Do("start");
        Assert.Equal(1, r.Code);
        Assert.StartsWith("NFS-Ganesha is not running (no org.ganesha.nfsd on", r.ExitReason);
        Assert.Equal(0, Do("stop").Code);
    }

    [Fact]
    public void An_unreachable_bus_is_a_failure_naming_the_address()
    {
        var p = Params(("dbus_address", $"unix:path={ganesha.Root}/no-bus"));
        var r = Do("monitor", p);
        Assert.Equal(1, r.Code);
        Assert.StartsWith($"D-Bus unreachable at unix:path={ganesha.Root}/no-bus", r.ExitReason);
    }

    [Fact]
    public void Ocf_tester_passes()
    {
        var argv = new List<string> { "ocf-tester", "-n", "sn1_install" };
        foreach (var (k, v) in Params()) argv.AddRange(["-o", $"{k}={v}"]);
        argv.Add(Agent);
        var r = Run.Command(argv);
        Assert.True(r.Code == 0, r.Stdout + r.Stderr);
        Assert.Equal(0, Do("stop").Code);
    }
}
