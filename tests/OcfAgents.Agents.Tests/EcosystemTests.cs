using System.Text.RegularExpressions;
using System.Xml.Linq;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// What an admin coming from resource-agents, fence-agents, pcs and crmsh expects to work as
/// there: tracing, where log lines go, pcs accepting configurations written for fence_ipmilan
/// and fence_ilo, and man pages. The real tools are the yardstick: heartbeat's Dummy for where a
/// trace goes, fence_ipmilan's and fence_ilo's own meta-data for the options, pcs for what it accepts.
/// </summary>
public sealed class EcosystemTests
{
    private static readonly Regex TraceName = new(@"^(?<rsc>[^.]+)\.(?<action>[a-z_-]+)\.\d{4}-\d\d-\d\d\.\d\d:\d\d:\d\d$");

    private static (string Dir, Dictionary<string, string> Params) SharedData()
    {
        var dir = Directory.CreateTempSubdirectory("eco-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "shared"));
        Directory.CreateDirectory(Path.Combine(dir, "node"));
        return (dir, new()
        {
            ["shared_root"] = Path.Combine(dir, "shared"), ["paths"] = Path.Combine(dir, "node", "install"),
            ["require_mountpoint"] = "false", ["create_targets"] = "true",
        });
    }

    [Fact]
    public void A_trace_ra_meta_attribute_writes_the_trace_where_resource_agents_writes_Dummys()
    {
        var (dir, reskeys) = SharedData();
        var varlib = Path.Combine(dir, "varlib");
        reskeys["CRM_meta_trace_ra"] = "1";
        var env = new Dictionary<string, string> { ["HA_VARLIB"] = varlib, ["OCF_RESOURCE_TYPE"] = "shareddata" };
        var ours = Run.Agent(Built.Release("shareddata"), "start", reskeys, env);
        Assert.True(ours.Code == 0, ours.ToString());
        // The real thing: ocf-shellfuncs' own trace, same variables (its trace_ra is read as a parameter).
        var dummy = Run.Agent("/usr/lib/ocf/resource.d/heartbeat/Dummy", "monitor",
            new() { ["trace_ra"] = "1", ["state"] = Path.Combine(dir, "dummy.state") },
            new() { ["HA_VARLIB"] = varlib, ["OCF_RESOURCE_TYPE"] = "Dummy" });
        Assert.Equal(7, dummy.Code);

        var theirs = Assert.Single(Directory.GetFiles(Path.Combine(varlib, "trace_ra", "Dummy")));
        var trace = Assert.Single(Directory.GetFiles(Path.Combine(varlib, "trace_ra", "shareddata")));
        Assert.Matches(TraceName, Path.GetFileName(theirs));
        Assert.Equal("test.start", string.Join('.', Path.GetFileName(trace).Split('.')[..2]));
        Assert.Matches(TraceName, Path.GetFileName(trace));
        // Only root reads it: it holds the resource's configuration.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(trace));
        var text = File.ReadAllText(trace);
        Assert.Contains($"env OCF_RESKEY_paths={reskeys["paths"]}", text);
        Assert.Contains($"rename {Path.Combine(dir, "node", ".install.shareddata-new")} -> {reskeys["paths"]} (no replace)", text);
        Assert.Contains("INFO: start: running, verified by monitor", text);
        Assert.Matches(@"\+ \d\d:\d\d:\d\d\.\d{6}: start: exit 0\n$", text);
    }

    [Fact]
    public void OCF_TRACE_FILE_as_a_descriptor_number_writes_the_trace_to_that_open_descriptor()
    {
        var (dir, reskeys) = SharedData();
        var file = Path.Combine(dir, "fd3.trace");
        var argv = new List<string> { "sh", "-c", "exec 3>\"$0\"; cd \"$1\"; exec env OCF_TRACE_RA=1 OCF_TRACE_FILE=3 OCF_RESOURCE_INSTANCE=test " +
            string.Join(' ', reskeys.Select(kv => $"OCF_RESKEY_{kv.Key}={kv.Value}")) + " \"$2\" monitor", file, dir, Built.Release("shareddata") };
        var r = Run.Command(argv);
        Assert.True(r.Code == 7, r.ToString());
        Assert.Contains("monitor: exit 7", File.ReadAllText(file));
        Assert.False(File.Exists(Path.Combine(dir, "3")), "OCF_TRACE_FILE=3 made a file named 3");
        Assert.DoesNotContain("monitor: exit 7", r.Stderr);
    }

    [Fact]
    public void With_HA_LOGFILE_set_stderr_holds_only_the_exit_reason_and_the_log_file_every_line()
    {
        var (dir, reskeys) = SharedData();
        reskeys["create_targets"] = "false";
        var log = Path.Combine(dir, "ha.log");
        var r = Run.Agent(Built.Release("shareddata"), "start", reskeys, new() { ["HA_LOGFILE"] = log });
        Assert.Equal(5, r.Code);
        Assert.Equal([$"ocf-exit-reason:{r.ExitReason}"], r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains($"ERROR: start: exit 5: {r.ExitReason.TrimEnd('.')}", File.ReadAllText(log));
        // Without a destination, stderr is the log, as ocf-shellfuncs has it.
        var bare = Run.Agent(Built.Release("shareddata"), "start", reskeys);
        Assert.Contains("ERROR: start: exit 5", bare.Stderr);
    }

    // ---- pcs -------------------------------------------------------------------------------------

    /// <summary>Every parameter name a fence-agents agent's own meta-data lists, with a value of its type.</summary>
    private static List<string> FullOptionSet(string fenceAgent, params string[] skip)
    {
        var md = Run.Command([fenceAgent, "-o", "metadata"]);
        Assert.True(md.Code == 0, md.ToString());
        return XDocument.Parse(md.Stdout).Descendants("parameter")
            .Where(p => (string?)p.Attribute("deprecated") != "1")
            .Select(p => ((string)p.Attribute("name")!, (string?)p.Element("content")?.Attribute("type"), (string?)p.Element("content")?.Attribute("default")))
            .Where(p => !skip.Contains(p.Item1))
            .Select(p => $"{p.Item1}={p.Item3 ?? (p.Item2 == "boolean" ? "0" : p.Item2 is "integer" or "second" ? "1" : "x")}")
            .ToList();
    }

    [Fact]
    public void Pcs_takes_a_fence_ipmi_device_written_with_every_option_of_fence_ipmilan_without_force()
    {
        var dir = Directory.CreateTempSubdirectory("eco-pcs-").FullName;
        var options = FullOptionSet("fence_ipmilan", "action", "plug", "port_as_ip", "version", "help");
        Assert.Contains("ipmitool_path=/usr/bin/ipmitool", options);
        Assert.Contains("target=x", options);
        var r = PcsSandbox.Run(dir, ["pcs", "-f", "cib.xml", "stonith", "create", "f1", "fence_ipmi", .. options, "pcmk_host_list=node2"],
                         ["pcs", "-f", "cib.xml", "stonith", "create", "f2", "fence_ipmilanplus", "ip=10.0.0.2", "username=u", "password=p", "pcmk_host_list=node3"]);
        Assert.True(r.Code == 0, r.ToString());
        Assert.DoesNotContain("--force", r.Stderr);
        // The deprecated names pass too, and neither name is demanded twice.
        r = PcsSandbox.Run(dir, ["pcs", "-f", "cib.xml", "stonith", "create", "f3", "fence_ipmi", "ipaddr=10.0.0.3", "login=u", "passwd=p", "pcmk_host_list=node4"]);
        Assert.True(r.Code == 0, r.ToString());
    }

    [Fact]
    public void Pcs_takes_a_fence_riloe_device_written_with_every_option_of_fence_ilo_without_force()
    {
        var dir = Directory.CreateTempSubdirectory("eco-pcs-").FullName;
        var options = FullOptionSet("fence_ilo", "action", "plug", "port_as_ip", "version", "help", "notls");
        var r = PcsSandbox.Run(dir, ["pcs", "-f", "cib.xml", "stonith", "create", "f1", "fence_riloe", .. options, "pcmk_host_list=node2"]);
        Assert.True(r.Code == 0, r.ToString());
    }

    [Fact]
    public void Pcs_takes_trace_ra_for_our_agents_and_crm_resource_shows_the_trace()
    {
        var (dir, reskeys) = SharedData();
        var r = PcsSandbox.Run(dir,
            ["pcs", "-f", "cib.xml", "resource", "create", "sd", "ocf:xcat:shareddata", .. reskeys.Select(kv => $"{kv.Key}={kv.Value}")],
            ["pcs", "-f", "cib.xml", "resource", "update", "sd", "trace_ra=1"],
            ["env", "CIB_file=cib.xml", "crm_resource", "--resource", "sd", "--force-check"]);
        // crm_resource asks agents for their trace on stderr (OCF_TRACE_FILE=/dev/stderr) and
        // shows what they wrote there after its own line; 7: not started.
        Assert.Contains("Operation force-check for sd (ocf:xcat:shareddata) returned 7", r.Stdout);
        Assert.Contains("env OCF_RESKEY_trace_ra=1", r.Stdout);
        Assert.Contains("monitor: exit 7", r.Stdout);
    }

    // ---- fence agents as fence-agents users call them ----------------------------------------------

    [Theory]
    [InlineData("fence_ipmi", "fence_ipmilan")]
    [InlineData("fence_riloe", "fence_ilo")]
    public void Help_prints_the_usage_with_every_option_and_version_prints_the_version(string agent, string theirs)
    {
        var help = Run.Fence(Built.Release(agent), ["-h"]);
        Assert.True(help.Code == 0, help.ToString());
        Assert.StartsWith($"Usage:\n\t{agent} [options]\nOptions:\n", help.Stdout);
        foreach (var name in FullOptionSet(theirs).Select(o => o.Split('=')[0]))
            Assert.Contains("--" + name.Replace('_', '-'), help.Stdout);
        Assert.Equal("", help.Stderr);
        var version = Run.Fence(Built.Release(agent), ["-V"]);
        Assert.True(version.Code == 0, version.ToString());
        var declared = Regex.Match(File.ReadAllText(Path.Combine(Built.RepoRoot, "Directory.Build.props")), "<Version>(.*)</Version>").Groups[1].Value;
        Assert.Equal(declared + "\n", version.Stdout);
        Assert.Equal(0, Run.Fence(Built.Release(agent), ["--help"]).Code);
    }

    [Fact]
    public void Manpage_works_as_a_bare_action_word_and_as_an_option()
    {
        var bare = Run.Fence(Built.Release("fence_ipmi"), ["manpage"]);
        Assert.True(bare.Code == 0, bare.ToString());
        Assert.StartsWith(".TH FENCE_IPMI 8", bare.Stdout);
        Assert.Equal(bare.Stdout, Run.Fence(Built.Release("fence_ipmi"), ["-o", "manpage"]).Stdout);
    }

    [Fact]
    public void An_ignored_fence_ipmilan_option_gives_one_warning_saying_why_and_bridging_is_refused_with_the_reason()
    {
        var stdin = "action=validate-all\nip=10.0.0.2\nusername=u\npassword=p\nipmitool_path=/usr/bin/ipmitool\nipmitool_timeout=2\n";
        var r = Run.Fence(Built.Release("fence_ipmi"), [], stdin);
        Assert.True(r.Code == 0, r.ToString());
        var warnings = r.Stderr.Split('\n').Where(l => l.Contains("WARNING:")).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.EndsWith("parameter ipmitool_path is ignored: IPMI is spoken natively, no ipmitool is run"));

        var bridged = Run.Fence(Built.Release("fence_ipmi"), [], stdin + "target=0x82\n");
        Assert.Equal(1, bridged.Code);
        Assert.Contains("parameter target: IPMI bridging (to 0x82) is not supported", FenceChecks.ErrorLine(bridged));
        var notls = Run.Fence(Built.Release("fence_riloe"), [], "action=validate-all\nip=ilo\nusername=u\npassword=p\nnotls=1\n");
        Assert.Equal(1, notls.Code);
        Assert.Contains("SSL 3.0 is not spoken", FenceChecks.ErrorLine(notls));
    }

    [Fact]
    public void List_answers_the_configured_plug_and_port_as_ip_makes_the_plug_the_address()
    {
        var list = Run.Fence(Built.Release("fence_ipmi"), [], "action=list\nip=10.0.0.2\nusername=u\npassword=p\nplug=node2\n");
        Assert.True(list.Code == 0, list.ToString());
        Assert.Equal("node2,\n", list.Stdout);
        var two = Run.Fence(Built.Release("fence_ipmi"), [], "action=list\nip=10.0.0.2\nusername=u\npassword=p\nplug=node2,node3\n");
        Assert.Equal(1, two.Code);
        Assert.Contains("one device fences one node", FenceChecks.ErrorLine(two));
        // port_as_ip: no ip at all, the plug is the BMC's address.
        var asIp = Run.Fence(Built.Release("fence_ipmi"), [], "action=validate-all\nport_as_ip=1\nplug=10.0.0.2\nusername=u\npassword=p\n");
        Assert.True(asIp.Code == 0, asIp.ToString());
    }

    [Theory]
    [InlineData("fence_ipmi", "ipmi-fencing", "external/xcat-ipmi")]
    [InlineData("fence_riloe", "ilo-fencing", "external/xcat-riloe")]
    public void A_fence_agents_man_page_has_its_exit_codes_its_cib_example_and_see_also(string agent, string example, string plugin)
    {
        var page = Rendered(Run.Fence(Built.Release(agent), ["-o", "manpage"]).Stdout);
        var exitStatus = Section(page, "EXIT STATUS");
        Assert.Contains("status: the power is off", exitStatus);
        Assert.Contains("The external/ plugin exits 0 on success and 1 on any failure", exitStatus);
        var examples = Section(page, "EXAMPLES");
        var pcsLines = File.ReadAllLines(Path.Combine(Built.RepoRoot, "cib-examples", example, "pcs.sh")).Where(l => l.StartsWith("pcs stonith create")).ToList();
        Assert.NotEmpty(pcsLines);
        foreach (var line in pcsLines) Assert.Contains(line, examples);
        Assert.Contains($"stonith:{plugin}", examples);
        Assert.Contains("stonith_admin(8)", Section(page, "SEE ALSO"));
    }

    [Theory]
    [InlineData("shareddata", "shareddata")]
    [InlineData("xcatdb", "xcatdb")]
    [InlineData("xcatd", "xcat-mn")]
    [InlineData("nfs4replica", "sn-nfs4replica")]
    public void An_ocf_agents_man_page_has_its_own_exit_codes_its_cib_example_and_see_also(string agent, string example)
    {
        var page = Rendered(Run.Agent(Built.Release(agent), "manpage", []).Stdout);
        var exitStatus = Section(page, "EXIT STATUS");
        foreach (var code in Enumerable.Range(0, 8)) Assert.Matches($@"(?m)^\s+{code}\s+\S", exitStatus);
        // The agent's own words after the OCF meaning: not the generic table alone.
        Assert.Matches(@"not\s+installed\s+on\s+this\s+node:\s+Pacemaker\s+keeps\s+the\s+resource\s+off\s+this\s+node\.\s+\S", exitStatus);
        var examples = Section(page, "EXAMPLES");
        Assert.Contains($"ocf:xcat:{agent}", examples);
        var crm = File.ReadAllText(Path.Combine(Built.RepoRoot, "cib-examples", example, "crm.txt"));
        var primitive = Regex.Match(crm, $@"primitive \S+ ocf:xcat:{agent}(?=\s)").Value;
        Assert.NotEmpty(primitive);
        Assert.Contains(primitive, examples);
        Assert.Contains("crm_resource(8)", Section(page, "SEE ALSO"));
    }

    private static string Rendered(string roff)
    {
        var file = Path.Combine(Path.GetTempPath(), $"man-{Guid.NewGuid():N}.roff");
        File.WriteAllText(file, roff);
        try
        {
            var r = Run.Command(["man", "-l", file], env: new Dictionary<string, string> { ["MANWIDTH"] = "200", ["MAN_KEEP_FORMATTING"] = "0", ["PAGER"] = "cat" });
            Assert.True(r.Code == 0, r.ToString());
            Assert.DoesNotContain("warning", r.Stderr);
            return Regex.Replace(r.Stdout, ".\b", "");
        }
        finally { File.Delete(file); }
    }

    private static string Section(string page, string title)
    {
        var m = Regex.Match(page, $@"(?ms)^{Regex.Escape(title)}\n(.*?)(?=^\S|\z)");
        Assert.True(m.Success, $"no {title} section in:\n{page}");
        return m.Groups[1].Value;
    }
}
