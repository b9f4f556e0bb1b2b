using System.Text.RegularExpressions;
using System.Xml.Linq;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// Seed 002's failure, as cib-examples/xcat-mn-san has it — fencing on, a fence_ipmi device per
/// node kept off the node it fences, the group of address, shared filesystem, shareddata, xcatdb
/// and xcatd — on a real 2-node cluster running the real xCAT 2.19.0, with only the site values
/// replaced: node names, each BMC an ipmi_sim on the other node's network, the password instead
/// of the password script, an address on the nodes' subnet, the shared storage bind-mounted, the
/// SQLite tables xCAT's own scripts made. The node running the group crashes; the other fences
/// it and takes over; the crashed node comes back and runs none of it.
/// </summary>
[Collection("cluster")]
public sealed class ManagementNodeFailoverTests(XcatClusterFixture cluster) : IClassFixture<XcatClusterFixture>, IDisposable
{
    private readonly List<IpmiSim> _bmcs = [];

    public void Dispose()
    {
        foreach (var b in _bmcs) b.Dispose();
    }

    private static string Tail(string log) => log[Math.Max(0, log.Length - 4000)..];

    /// <summary>The example's configuration with the site values of this cluster.</summary>
    private XElement Configuration(IpmiSim bmc1, IpmiSim bmc2, string vip, string haData, string[] paths)
    {
        var text = File.ReadAllText(Path.Combine(Built.RepoRoot, "cib-examples", "xcat-mn-san", "cib.xml"))
            .Replace("mn1", "node1").Replace("mn2", "node2");
        var configuration = XDocument.Parse(text).Root!.Element("configuration")!;
        configuration.Element("nodes")!.Remove();
        void Site(string id, IReadOnlyDictionary<string, string> values, bool replaceAll = false, params string[] remove)
        {
            var ia = configuration.Descendants("primitive").Single(p => (string?)p.Attribute("id") == id).Element("instance_attributes")!;
            if (replaceAll) ia.Elements("nvpair").Remove();
            ia.Elements("nvpair").Where(n => remove.Contains((string?)n.Attribute("name"))).Remove();
            foreach (var (k, v) in values)
            {
                ia.Elements("nvpair").Where(n => (string?)n.Attribute("name") == k).Remove();
                ia.Add(new XElement("nvpair", new XAttribute("id", $"{id}-{k}"), new XAttribute("name", k), new XAttribute("value", v)));
            }
        }
        foreach (var (node, bmc) in new[] { ("node1", bmc1), ("node2", bmc2) })
            Site($"fence_{node}", new Dictionary<string, string>
            {
                ["ip"] = "127.0.0.1", ["ipport"] = bmc.Port.ToString(), ["username"] = IpmiSim.User, ["password"] = IpmiSim.Password, ["cipher"] = "3",
            }, remove: "password_script");
        Site("xcat_vip", new Dictionary<string, string> { ["ip"] = vip });
        Site("xcat_shared_fs", new Dictionary<string, string> { ["device"] = cluster.Shared, ["directory"] = haData, ["fstype"] = "none", ["options"] = "bind" });
        Site("xcat_shareddata", new Dictionary<string, string> { ["shared_root"] = haData, ["paths"] = string.Join(' ', paths) });
        Site("xcat_db", new Dictionary<string, string>
        {
            ["engine"] = "sqlite", ["cfgloc"] = "/etc/xcat/cfgloc", ["sqlite_dir"] = "/etc/xcat", ["shared_root"] = haData,
        }, replaceAll: true);
        return configuration;
    }

    [RealXcatFact]
    public void A_crashed_management_node_is_fenced_and_the_survivor_runs_xcat_with_what_was_written_and_the_node_that_returns_runs_none_of_it()
    {
        var bmc1 = IpmiSim.InNetNs(cluster.NetNs(2)); // node1's BMC, reached from node2
        _bmcs.Add(bmc1);
        var bmc2 = IpmiSim.InNetNs(cluster.NetNs(1));
        _bmcs.Add(bmc2);
        IpmiSim Bmc(int node) => node == 1 ? bmc1 : bmc2;

        // What each node has of its own before shareddata links the shared copies in.
        var install = Path.Combine(cluster.Local, "install");
        var paths = new[] { install, Path.Combine(cluster.Local, "tftpboot"), "/etc/xcat", "/root/.xcat" };
        foreach (var node in new[] { 1, 2 })
        {
            Directory.CreateDirectory(Path.Combine(cluster.LocalOf(node), "HA-data"));
            foreach (var p in paths)
                Assert.Equal(0, cluster.On(node, "sh", "-c", $"mkdir -p '{p}' && echo own copy of node{node} > '{p}/README'").Code);
        }
        foreach (var p in paths.Take(2)) Directory.CreateDirectory(cluster.Shared + p);
        var haData = Path.Combine(cluster.Local, "HA-data");
        var subnet = Regex.Match(cluster.On(1, "ip", "-o", "-4", "addr", "show").Stdout, @"inet (10\.99\.\d+)\.").Groups[1].Value;
        var vip = $"{subnet}.100";

        var load = cluster.On(1, "cibadmin", "--modify", "--allow-create", "-o", "configuration", "--xml-text",
            Configuration(bmc1, bmc2, vip, haData, paths).ToString());
        Assert.True(load.Code == 0, load.ToString());
        var members = new[] { "xcat_vip", "xcat_shared_fs", "xcat_shareddata", "xcat_db", "xcat_xcatd" };
        bool AllOn(string node) => members.All(m => cluster.StartedOn(m).SequenceEqual([node]));
        Assert.True(cluster.WaitFor(() => (AllOn("node1") || AllOn("node2"))
            && cluster.StartedOn("fence_node1").SequenceEqual(["node2"]) && cluster.StartedOn("fence_node2").SequenceEqual(["node1"]), 300),
            $"the example never Started:\n{cluster.Status()}\n{Tail(cluster.PacemakerLog(1))}");
        var victim = AllOn("node1") ? 1 : 2;
        var survivor = 3 - victim;
        var written = cluster.On(victim, "sh", "-c", $"echo written on node{victim} before the crash > {install}/proof");
        Assert.True(written.Code == 0, written.ToString());

        cluster.Crash(victim);
        Assert.True(cluster.WaitFor(() => Bmc(victim).Events.Contains("power 0"), 90),
            $"node{victim} was not fenced:\n{cluster.Status(survivor)}\n{Tail(cluster.PacemakerLog(survivor))}");
        Assert.True(cluster.WaitFor(() => cluster.Status(survivor).Descendants("fence_event")
            .Any(e => (string?)e.Attribute("target") == $"node{victim}" && (string?)e.Attribute("status") == "success"), 60));
        Assert.True(cluster.WaitFor(() => members.All(m => cluster.Status(survivor).Descendants("resource")
            .Any(r => (string?)r.Attribute("id") == m && (string?)r.Attribute("role") == "Started"
                && r.Elements("node").Any(n => (string?)n.Attribute("name") == $"node{survivor}"))), 300),
            $"the group did not come up on node{survivor}:\n{cluster.Status(survivor)}\n{Tail(cluster.PacemakerLog(survivor))}");

        Assert.Equal($"written on node{victim} before the crash\n", cluster.On(survivor, "cat", $"{install}/proof").Stdout);
        var lsxcatd = cluster.On(survivor, "env", "XCATROOT=/opt/xcat", "PERL_BADLANG=0", "/opt/xcat/bin/lsxcatd", "-v");
        Assert.True(lsxcatd.Code == 0, lsxcatd.ToString());
        Assert.StartsWith("Version 2.19.0", lsxcatd.Stdout);
        Assert.Contains($"inet {vip}/24", cluster.On(survivor, "ip", "-o", "-4", "addr", "show").Stdout);

        // The crashed node boots again: Pacemaker probes it and finds nothing of the group there;
        // stickiness keeps the group where it is.
        cluster.Revive(victim);
        Assert.True(cluster.WaitFor(() => cluster.Status(survivor).Descendants("node")
            .Any(n => (string?)n.Attribute("name") == $"node{victim}" && (string?)n.Attribute("online") == "true"), 60));
        Assert.True(cluster.WaitFor(() => cluster.StartedOn("fence_node2").Length == 1 && cluster.StartedOn("fence_node1").Length == 1, 60),
            $"the fence devices did not start again:\n{cluster.Status(survivor)}");
        Assert.All(members, m => Assert.Equal(new[] { $"node{survivor}" }, cluster.StartedOn(m)));
        Assert.Empty(cluster.Status(survivor).Descendants("failure"));
        Assert.DoesNotContain($"inet {vip}/", cluster.On(victim, "ip", "-o", "-4", "addr", "show").Stdout);
        Assert.NotEqual(haData, cluster.On(victim, "findmnt", "-n", "-o", "TARGET", "--target", haData).Stdout.Trim());
        Assert.NotEqual(0, cluster.On(victim, "pgrep", "-f", "xcatd: SSL listener").Code);
        Assert.Equal($"written on node{victim} before the crash\n", cluster.On(survivor, "cat", $"{install}/proof").Stdout);
    }
}
