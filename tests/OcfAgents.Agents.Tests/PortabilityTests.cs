using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// What lets one build run on every distribution xCAT supports (RHEL/Rocky 8 with glibc 2.28 and
/// OpenSSL 1.1 included): each shipped executable is static — no program interpreter, no shared
/// library — and runs in a chroot that holds nothing of the build machine: /proc, /dev/null,
/// /etc/hosts and the test's own files.
/// </summary>
public sealed class PortabilityTests
{
    public static TheoryData<string> Shipped() => [.. Directory.GetFiles(Path.Combine(Built.RepoRoot, "dist", "bin")).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Every_shipped_executable_asks_for_no_program_interpreter_and_no_shared_library(string name)
    {
        var binary = Built.Release(name);
        var headers = Run.Command(["readelf", "--program-headers", "--wide", binary]);
        Assert.True(headers.Code == 0, headers.ToString());
        Assert.DoesNotContain("INTERP", headers.Stdout);
        var dynamic = Run.Command(["readelf", "--dynamic", "--wide", binary]);
        Assert.True(dynamic.Code == 0, dynamic.ToString());
        Assert.DoesNotContain("(NEEDED)", dynamic.Stdout);
    }

    /// <summary>A root directory with only what a static executable may need, mounted for the test's lifetime.</summary>
    private sealed class EmptyRoot : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("ocfagents-chroot-").FullName;
        private readonly List<string> _mounts = [];

        public EmptyRoot(string hosts)
        {
            foreach (var d in new[] { "proc", "dev", "etc", "tmp" }) Directory.CreateDirectory(Path.Combine(Dir, d));
            File.WriteAllText(Path.Combine(Dir, "etc", "hosts"), hosts);
            File.WriteAllText(Path.Combine(Dir, "dev", "null"), "");
            Mount("/proc", "proc");
            Mount("/dev/null", "dev/null");
        }

        private void Mount(string source, string at)
        {
            var target = Path.Combine(Dir, at);
            var r = Run.Command(["mount", "--bind", source, target]);
            Assert.True(r.Code == 0, r.ToString());
            _mounts.Add(target);
        }

        /// <summary>Copies a shipped executable in; returns its path inside the root.</summary>
        public string Install(string name)
        {
            File.Copy(Built.Release(name), Path.Combine(Dir, name));
            File.SetUnixFileMode(Path.Combine(Dir, name), (UnixFileMode)0b111_101_101);
            return "/" + name;
        }

        public string Inside(string inside) => Path.Combine(Dir, inside.TrimStart('/'));

        public void Dispose()
        {
            foreach (var m in Enumerable.Reverse(_mounts)) Run.Command(["umount", "--lazy", m]);
            if (_mounts.All(m => !File.Exists(Path.Combine(m, "self", "status")))) Directory.Delete(Dir, recursive: true);
        }
    }

    public static TheoryData<string> OcfAgents() => ["shareddata", "xcatdb", "xcatd", "nfs4replica"];

    /// <summary>
    /// Each OCF agent answers meta-data, validate-all and a probe inside the empty root. What the
    /// root lacks (a database server, xCAT, exportfs) is the agent's answer to give with its exit
    /// reason — never a loader error, a signal or a missing-library exit.
    /// </summary>
    [Theory]
    [MemberData(nameof(OcfAgents))]
    public void Every_OCF_agent_runs_its_meta_data_validate_all_and_probe_in_a_root_that_holds_nothing_of_the_build_machine(string agent)
    {
        using var root = new EmptyRoot("127.0.0.1 localhost\n");
        var binary = root.Install(agent);
        Directory.CreateDirectory(root.Inside("/shared/etc/xcat"));
        var reskeys = agent switch
        {
            "shareddata" => new Dictionary<string, string> { ["shared_root"] = "/shared", ["paths"] = "/etc/xcat", ["require_mountpoint"] = "false" },
            "xcatdb" => new() { ["engine"] = "sqlite", ["shared_root"] = "/shared", ["sqlite_dir"] = "/shared/etc/xcat", ["state_dir"] = "/tmp/state" },
            "nfs4replica" => new() { ["directory"] = "/shared", ["replicas"] = "127.0.0.1", ["state_dir"] = "/tmp/state" },
            _ => new() { ["state_dir"] = "/tmp/state" },
        };
        var wrapper = new[] { "chroot", root.Dir };

        var meta = Run.Agent(binary, "meta-data", [], wrapper: wrapper);
        Assert.True(meta.Code == 0, meta.ToString());
        Assert.StartsWith("<?xml", meta.Stdout);

        foreach (var action in new[] { "validate-all", "monitor" })
        {
            var r = Run.Agent(binary, action, reskeys, env: new() { ["OCF_RESKEY_CRM_meta_interval"] = "0" }, wrapper: wrapper);
            Assert.True(r.Code is >= 0 and <= 7 && r.Code != 4, $"{action}: {r}");
            Assert.DoesNotContain("error while loading", r.Stderr);
            if (r.Code is not (0 or 7)) Assert.NotEmpty(r.ExitReasons);
            if (agent == "shareddata") Assert.True(r.Code == (action == "monitor" ? 7 : 0), $"{action}: {r}");
        }
    }

    /// <summary>
    /// fence_ipmi resolves the BMC's name itself from the root's /etc/hosts (glibc's files and dns
    /// lookups are built into the static executable; no NSS module is loaded) and reads the power state.
    /// </summary>
    [Fact]
    public void Fence_ipmi_in_an_empty_root_finds_the_BMC_by_the_name_in_its_etc_hosts_and_reads_the_power_state()
    {
        using var bmc = new FakeBmc();
        using var root = new EmptyRoot("127.0.0.1 localhost\n127.0.0.1 bmc-node2.cluster bmc-node2\n");
        var binary = root.Install("fence_ipmi");
        var meta = Run.Command(["chroot", root.Dir, binary, "-o", "metadata"]);
        Assert.True(meta.Code == 0, meta.ToString());
        var r = Run.Command(["chroot", root.Dir, binary], stdin: $"action=status\nip=bmc-node2\nipport={bmc.Port}\nusername={FakeBmc.User}\npassword={FakeBmc.Password}\nlanplus=1\n");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("Status: ON\n", r.Stdout);
        Assert.NotEmpty(bmc.Events);
    }

    /// <summary>
    /// The .rpm as it lands on another distribution: installed with rpm into an empty root (its own
    /// empty database, so nothing it could depend on is there), its agents and fence agents answer
    /// inside that root — the OCF agents meta-data, validate-all and a probe, fence_ipmi a status
    /// against a BMC named in the root's /etc/hosts, the external/ plugin its configuration names.
    /// </summary>
    [Fact]
    public void The_rpm_installed_into_an_empty_root_needs_nothing_more_to_run_there()
    {
        var rpm = Assert.Single(Directory.GetFiles(Path.Combine(Built.RepoRoot, "dist"), "ocfagents-*.x86_64.rpm"));
        using var bmc = new FakeBmc();
        using var root = new EmptyRoot("127.0.0.1 localhost\n127.0.0.1 bmc-node2\n");
        var install = Run.Command(["rpm", "--root", root.Dir, "--dbpath", "/var/lib/rpm", "-i", "--nosignature", rpm]);
        Assert.True(install.Code == 0, install.ToString());
        var wrapper = new[] { "chroot", root.Dir };

        foreach (var agent in new[] { "shareddata", "xcatdb", "xcatd", "nfs4replica" })
        {
            var meta = Run.Agent($"/usr/lib/ocf/resource.d/xcat/{agent}", "meta-data", [], wrapper: wrapper);
            Assert.True(meta.Code == 0 && meta.Stdout.StartsWith("<?xml"), $"{agent}: {meta}");
        }
        Directory.CreateDirectory(root.Inside("/shared/etc/xcat"));
        var shareddata = new Dictionary<string, string> { ["shared_root"] = "/shared", ["paths"] = "/etc/xcat", ["require_mountpoint"] = "false" };
        Assert.Equal(0, Run.Agent("/usr/lib/ocf/resource.d/xcat/shareddata", "validate-all", shareddata, wrapper: wrapper).Code);
        Assert.Equal(7, Run.Agent("/usr/lib/ocf/resource.d/xcat/shareddata", "monitor", shareddata, wrapper: wrapper).Code);

        var status = Run.Command(["chroot", root.Dir, "/usr/sbin/fence_ipmi"],
            stdin: $"action=status\nip=bmc-node2\nipport={bmc.Port}\nusername={FakeBmc.User}\npassword={FakeBmc.Password}\nlanplus=1\n");
        Assert.True(status.Code == 0, status.ToString());
        Assert.Equal("Status: ON\n", status.Stdout);
        var names = Run.Command(["chroot", root.Dir, "/usr/lib/stonith/plugins/external/xcat-ipmi", "getconfignames"]);
        Assert.True(names.Code == 0, names.ToString());
        Assert.StartsWith("hostname\nipaddr\n", names.Stdout);
    }

    /// <summary>fence_riloe carries its TLS (OpenSSL linked in): a status over TLS from the empty root.</summary>
    [Fact]
    public void Fence_riloe_in_an_empty_root_speaks_TLS_to_the_iLO_named_in_its_etc_hosts()
    {
        using var ilo = new IloSim();
        using var root = new EmptyRoot("127.0.0.1 localhost\n127.0.0.1 ilo-node2\n");
        var binary = root.Install("fence_riloe");
        var r = Run.Command(["chroot", root.Dir, binary], stdin: $"action=status\nip=ilo-node2\nipport={ilo.Port}\nusername={IloSim.User}\npassword={IloSim.Password}\nssl_insecure=1\n");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("Status: ON\n", r.Stdout);
    }
}
