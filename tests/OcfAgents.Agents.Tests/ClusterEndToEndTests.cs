using OcfAgents.Agents.Tests.Support;
using System.Xml.Linq;

namespace OcfAgents.Agents.Tests;

/// <summary>Real clusters take both cores for a few seconds: one at a time.</summary>
[CollectionDefinition("cluster")]
public sealed class ClusterCollection;

/// <summary>`make demo` as the README describes it: its script, run for real.</summary>
[Collection("cluster")]
public sealed class DemoTests
{
    [Fact]
    public void The_demo_starts_the_group_moves_it_there_and_back_stops_it_and_leaves_no_cluster_behind()
    {
        var r = Run.Command([Path.Combine(Built.RepoRoot, "tools", "demo.sh")], limit: TimeSpan.FromMinutes(5));
        Assert.True(r.Code == 0, r.Stdout + r.Stderr);
        Assert.Contains("Demo complete: started, moved, moved back and stopped under Pacemaker", r.Stdout);
        foreach (var member in new[] { @"xcat_vip\s+\(ocf:heartbeat:IPaddr2\)", @"xcat_shared_fs\s+\(ocf:heartbeat:Filesystem\)", @"xcat_shareddata\s+\(ocf:xcat:shareddata\)", @"xcat_db\s+\(ocf:xcat:xcatdb\)", @"xcat_xcatd\s+\(ocf:xcat:xcatd\)" })
            Assert.Matches(member + @":\s+Started node\d", r.Stdout);
        Assert.Matches(@"inet 10\.99\.\d+\.100/24", r.Stdout);
        Assert.Contains("the shared /etc/xcat", r.Stdout);
        if (RealXcat.Tarball is not null)
        {
            // xCAT's own client answered by the real xcatd on each node: where it started, where
            // it moved, and back.
            var answers = System.Text.RegularExpressions.Regex.Matches(r.Stdout,
                @"\$ \[(node\d)\] env XCATROOT=/opt/xcat PERL_BADLANG=0 /opt/xcat/bin/lsxcatd -v\n\s+Version 2\.19\.0 \(git commit 7733d16f");
            Assert.Equal(3, answers.Count);
            Assert.Equal(2, answers.Select(m => m.Groups[1].Value).Distinct().Count());
        }
        else
        {
            Assert.Contains("No real xCAT tree", r.Stdout);
            Assert.Matches(@"LISTEN\s+0\s+\d+\s+0\.0\.0\.0:3001", r.Stdout);
        }
        // The demo's own namespaces, by the name cluster.sh gives its directory: a namespace left by
        // some other, killed run is not the demo's doing (a CI run once failed on exactly that).
        var script = Path.Combine(Built.RepoRoot, "tools", "cluster.sh");
        var own = new[] { "node1", "node2" }.Select(n => Run.Command([script, "netns", "/tmp/ocfagents-demo-cluster", n]).Stdout.Trim()).ToArray();
        Assert.All(own, ns => Assert.StartsWith("ocfagents-", ns));
        var namespaces = Run.Command(["ip", "netns", "list"]).Stdout.Split('\n').Select(l => l.Split(' ')[0]);
        Assert.Empty(namespaces.Intersect(own));
    }
}

/// <summary>Our agents under a real 2-node Pacemaker 2.1.5 cluster (tools/cluster.sh).</summary>
[Collection("cluster")]
public sealed class ClusterEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>, IDisposable
{
    private readonly List<string> _resources = [];

    /// <summary>
    /// shareddata over two xCAT-shaped paths: each node has its own local copies (Root/local, a
    /// per-node mount), the shared copies are on the common Root/shared.
    /// </summary>
    private (string Id, string[] Paths) SharedData(string id)
    {
        var paths = new[] { "install", "tftpboot" }.Select(p => Path.Combine(cluster.Local, id, p)).ToArray();
        foreach (var node in new[] { 1, 2 })
            foreach (var p in paths)
            {
                var local = Path.Combine(cluster.LocalOf(node), Path.GetRelativePath(cluster.Local, p));
                Directory.CreateDirectory(local);
                File.WriteAllText(Path.Combine(local, "README"), $"node{node}'s own copy");
            }
        foreach (var p in paths)
        {
            Directory.CreateDirectory(cluster.Shared + p);
            File.WriteAllText(Path.Combine(cluster.Shared + p, "README"), "the shared copy");
        }
        var xml = $"""
            <primitive id="{id}" class="ocf" provider="xcat" type="shareddata">
              <instance_attributes id="{id}-ia">
                <nvpair id="{id}-shared_root" name="shared_root" value="{cluster.Shared}"/>
                <nvpair id="{id}-paths" name="paths" value="{string.Join(' ', paths)}"/>
                <nvpair id="{id}-require_mountpoint" name="require_mountpoint" value="false"/>
              </instance_attributes>
              <meta_attributes id="{id}-meta">
                <nvpair id="{id}-allow-migrate" name="allow-migrate" value="true"/>
              </meta_attributes>
              <operations>
                <op id="{id}-monitor" name="monitor" interval="2s" timeout="20s"/>
              </operations>
            </primitive>
            """;
        var r = cluster.On(1, "cibadmin", "--create", "-o", "resources", "--xml-text", xml);
        Assert.True(r.Code == 0, r.ToString());
        _resources.Add(id);
        Assert.True(cluster.WaitFor(() => cluster.StartedOn(id).Length == 1), $"{id} never Started:\n{cluster.Status()}");
        return (id, paths);
    }

    private static string Tail(string log) => log.Length > 4000 ? log[^4000..] : log;

    private static int NodeNumber(string name) => int.Parse(name["node".Length..]);

    private readonly List<string> _constraints = [];
    private readonly List<string> _groups = [];
    /// <summary>Servers the resources use: disposed only after the resources are stopped.</summary>
    private readonly List<IDisposable> _fixtures = [];

    // Every test leaves the cluster empty: all its resources stopped together, then removed.
    public void Dispose()
    {
        foreach (var id in _groups.Concat(_resources))
            cluster.On(1, "crm_resource", "--resource", id, "--set-parameter", "target-role", "--meta", "--parameter-value", "Stopped");
        var stopped = cluster.WaitFor(() => _resources.All(id => cluster.StartedOn(id).Length == 0), 60);
        foreach (var id in _groups) cluster.On(1, "cibadmin", "--delete", "-o", "resources", "--xml-text", $"<group id=\"{id}\"/>");
        foreach (var id in _constraints) cluster.On(1, "cibadmin", "--delete", "--xml-text", $"<rsc_order id=\"{id}\"/>");
        foreach (var id in _constraints) cluster.On(1, "cibadmin", "--delete", "--xml-text", $"<rsc_colocation id=\"{id}\"/>");
        foreach (var id in _resources)
        {
            cluster.On(1, "cibadmin", "--delete", "-o", "resources", "--xml-text", $"<primitive id=\"{id}\"/>");
            cluster.On(1, "crm_resource", "--cleanup", "--resource", id);
        }
        foreach (var f in _fixtures) f.Dispose();
        Assert.True(stopped, $"resources did not stop:\n{cluster.Status()}");
    }

    [Fact]
    public void A_move_runs_migrate_to_and_migrate_from_and_the_links_follow_to_the_other_node()
    {
        var (id, paths) = SharedData("move1");
        var from = NodeNumber(cluster.StartedOn(id)[0]);
        var to = 3 - from;
        Assert.Equal("the shared copy", cluster.On(from, "cat", Path.Combine(paths[0], "README")).Stdout);
        Assert.Equal($"node{to}'s own copy", cluster.On(to, "cat", Path.Combine(paths[0], "README")).Stdout);

        var move = cluster.On(1, "crm_resource", "--move", "--resource", id, "--node", $"node{to}");
        Assert.True(move.Code == 0, move.ToString());
        Assert.True(cluster.WaitFor(() => cluster.StartedOn(id).SequenceEqual([$"node{to}"])), $"not moved:\n{cluster.Status()}");
        Assert.Equal("the shared copy", cluster.On(to, "cat", Path.Combine(paths[0], "README")).Stdout);
        Assert.Equal($"node{from}'s own copy", cluster.On(from, "cat", Path.Combine(paths[0], "README")).Stdout);
        Assert.Contains($"shareddata({id})", cluster.PacemakerLog(from));
        Assert.Matches($@"shareddata\({id}\)\[\d+\]: INFO: migrate_to: handing over from node{from} to node{to}", cluster.PacemakerLog(from));
        Assert.Matches($@"shareddata\({id}\)\[\d+\]: INFO: migrate_from: taking over from node{from} on node{to}", cluster.PacemakerLog(to));

        Assert.Equal(0, cluster.On(1, "crm_resource", "--clear", "--resource", id).Code);
        var back = cluster.On(1, "crm_resource", "--move", "--resource", id, "--node", $"node{from}");
        Assert.True(back.Code == 0, back.ToString());
        Assert.True(cluster.WaitFor(() => cluster.StartedOn(id).SequenceEqual([$"node{from}"])), $"not moved back:\n{cluster.Status()}");
        Assert.Equal(0, cluster.On(1, "crm_resource", "--clear", "--resource", id).Code);
    }

    private static string Primitive(string id, string type, IEnumerable<KeyValuePair<string, string>> ps, string extraOps = "") => $"""
        <primitive id="{id}" class="ocf" provider="xcat" type="{type}">
          <instance_attributes id="{id}-ia">
            {string.Concat(ps.Select(kv => $"<nvpair id=\"{id}-{kv.Key}\" name=\"{kv.Key}\" value=\"{System.Security.SecurityElement.Escape(kv.Value)}\"/>"))}
          </instance_attributes>
          <meta_attributes id="{id}-meta"><nvpair id="{id}-allow-migrate" name="allow-migrate" value="true"/></meta_attributes>
          <operations>
            <op id="{id}-start" name="start" interval="0s" timeout="60s"/>
            <op id="{id}-stop" name="stop" interval="0s" timeout="60s"/>
            <op id="{id}-monitor" name="monitor" interval="3s" timeout="20s"/>{extraOps}
          </operations>
        </primitive>
        """;

    /// <summary>
    /// Scenario 1 (cib-examples/xcat-mn) without the address and filesystem: shareddata, xcatdb on a
    /// real PostgreSQL 15 (data directory in a directory both nodes see), xcatd as the test
    /// stand-in (pid file and state on each node's private /run), in one group.
    /// </summary>
    private static readonly string[] Scenario1 = ["mn_shareddata", "mn_xcatdb", "mn_xcatd"];

    private bool AllOn(string node) => Scenario1.All(m => cluster.StartedOn(m).SequenceEqual([node]));

    /// <summary>Loads scenario 1 and waits until all of it runs on one node; returns that node and the database.</summary>
    private (int Node, PostgresFixture Pg) LoadScenario1()
    {
        var pg = new PostgresFixture();
        _fixtures.Add(pg);
        var xcatd = new XcatdStandIn();
        _fixtures.Add(xcatd);
        var paths = new[] { "install", "tftpboot" }.Select(p => Path.Combine(cluster.Local, "mn", p)).ToArray();
        foreach (var node in new[] { 1, 2 })
            foreach (var p in paths) Directory.CreateDirectory(Path.Combine(cluster.LocalOf(node), Path.GetRelativePath(cluster.Local, p)));
        foreach (var p in paths) Directory.CreateDirectory(cluster.Shared + p);

        var shared = Primitive("mn_shareddata", "shareddata", new Dictionary<string, string>
        {
            ["shared_root"] = cluster.Shared, ["paths"] = string.Join(' ', paths), ["require_mountpoint"] = "false",
        });
        var db = Primitive("mn_xcatdb", "xcatdb", pg.Params(), """

                <op id="mn_xcatdb-monitor-10" name="monitor" interval="7s" timeout="20s">
                  <instance_attributes id="mn_xcatdb-monitor-10-ia"><nvpair id="mn_xcatdb-monitor-10-depth" name="OCF_CHECK_LEVEL" value="10"/></instance_attributes>
                </op>
            """);
        var daemon = Primitive("mn_xcatd", "xcatd", xcatd.Params(("pidfile", "/run/xcatd-e2e.pid")));
        // Order and colocation constraints rather than a group: Pacemaker migrates primitives
        // (migrate_to, migrate_from) but restarts the members of a moved group.
        // Resources and constraints in one CIB update, so that nothing starts before it is placed.
        _resources.AddRange(["mn_xcatd", "mn_xcatdb", "mn_shareddata"]);
        _constraints.AddRange(["mn-order-db", "mn-order-xcatd", "mn-with-shared", "mn-xcatd-with-db"]);
        var configuration = $"""
            <configuration>
              <resources>{shared}{db}{daemon}</resources>
              <constraints>
                <rsc_order id="mn-order-db" first="mn_shareddata" then="mn_xcatdb"/>
                <rsc_order id="mn-order-xcatd" first="mn_xcatdb" then="mn_xcatd"/>
                <rsc_colocation id="mn-with-shared" rsc="mn_xcatdb" with-rsc="mn_shareddata" score="INFINITY"/>
                <rsc_colocation id="mn-xcatd-with-db" rsc="mn_xcatd" with-rsc="mn_xcatdb" score="INFINITY"/>
              </constraints>
            </configuration>
            """;
        var c = cluster.On(1, "cibadmin", "--modify", "--allow-create", "-o", "configuration", "--xml-text", configuration);
        Assert.True(c.Code == 0, c.ToString());
        Assert.True(cluster.WaitFor(() => AllOn("node1") || AllOn("node2"), 90), $"scenario 1 not Started:\n{cluster.Status()}\n{Tail(cluster.PacemakerLog(1))}");
        return (AllOn("node1") ? 1 : 2, pg);
    }

    [Fact]
    public void Scenario_1_starts_on_one_node_and_a_move_brings_shareddata_xcatdb_and_xcatd_up_on_the_other()
    {
        var (from, _) = LoadScenario1();
        var to = 3 - from;

        var move = cluster.On(1, "crm_resource", "--move", "--resource", "mn_shareddata", "--node", $"node{to}");
        Assert.True(move.Code == 0, move.ToString());
        Assert.True(cluster.WaitFor(() => AllOn($"node{to}"), 90), $"not moved:\n{cluster.Status()}\n{Tail(cluster.PacemakerLog(to))}");
        // The old instances were stopped before the new ones started: the database is the new node's.
        var log = cluster.PacemakerLog(to);
        foreach (var (agent, id) in new[] { ("shareddata", "mn_shareddata"), ("xcatdb", "mn_xcatdb"), ("xcatd", "mn_xcatd") })
        {
            Assert.Matches($@"{agent}\({id}\)\[\d+\]: INFO: migrate_to: handing over from node{from} to node{to}", cluster.PacemakerLog(from));
            Assert.Matches($@"{agent}\({id}\)\[\d+\]: INFO: migrate_from: taking over from node{from} on node{to}", log);
        }
        Assert.Matches(@"xcatdb\(mn_xcatdb\)\[\d+\]: INFO: (started postgres|migrate_from)", log);
        Assert.Matches(@"xcatd\(mn_xcatd\)\[\d+\]: INFO: xcatd's SSL listener \(pid \d+\) holds port", log);
        Assert.Empty(cluster.Status().Descendants("failure"));
        Assert.Equal(0, cluster.On(1, "crm_resource", "--clear", "--resource", "mn_shareddata").Code);
    }

    [Fact]
    public void A_database_killed_with_SIGKILL_is_noticed_by_monitor_and_Pacemaker_recovers_the_stack()
    {
        var (node, pg) = LoadScenario1();
        var pid = pg.ServerPid!.Value; // a PID in the node's own PID namespace
        var kill = cluster.On(node, "kill", "-KILL", pid.ToString());
        Assert.True(kill.Code == 0, kill.ToString());
        Assert.True(cluster.WaitFor(() => cluster.Status().Descendants("failure").Any(f => ((string?)f.Attribute("op_key"))?.StartsWith("mn_xcatdb_monitor") == true), 60),
            $"the kill was not noticed:\n{cluster.Status()}");
        Assert.True(cluster.WaitFor(() => AllOn("node1") || AllOn("node2"), 90), $"not recovered:\n{cluster.Status()}");
        var history = cluster.Status().Descendants("resource_history").First(h => (string?)h.Attribute("id") == "mn_xcatdb");
        Assert.True((int?)history.Attribute("fail-count") >= 1, history.ToString());
    }

    /// <summary>
    /// trace_ra as admins turn it on with pcs, on a running resource: Pacemaker reloads the agent
    /// (reload-agent: the parameter is reloadable) instead of restarting the resource, and every
    /// action from then on writes its trace where resource-agents writes them,
    /// $HA_VARLIB/trace_ra/TYPE/RSC.ACTION.TIMESTAMP (pacemaker-execd sets no HA_VARLIB:
    /// /var/lib/heartbeat, which the nodes share with this machine). Under pacemaker-execd the
    /// agent's log lines go to Pacemaker's log file and syslog, not also to stderr.
    /// </summary>
    [Fact]
    public void Pcs_trace_ra_reloads_the_agent_without_a_restart_and_every_action_then_writes_a_trace_where_resource_agents_puts_them()
    {
        var (id, _) = SharedData("trace1");
        const string dir = "/var/lib/heartbeat/trace_ra/shareddata";
        string[] Traces(string action) => Directory.Exists(dir) ? Directory.GetFiles(dir, $"{id}.{action}.*") : [];
        void Clean() { foreach (var f in Traces("*")) File.Delete(f); }
        Clean();
        try
        {
            var node = NodeNumber(cluster.StartedOn(id)[0]);
            var r = cluster.On(1, "pcs", "resource", "update", id, "trace_ra=1");
            Assert.True(r.Code == 0, r.ToString());
            Assert.True(cluster.WaitFor(() => Traces("monitor").Any(f => File.ReadAllText(f).Contains("monitor: exit 0")), 60),
                $"no monitor trace in {dir}:\n{cluster.Status()}");
            Assert.Single(Traces("reload-agent"));
            Assert.Empty(Traces("stop"));
            Assert.Equal([$"node{node}"], cluster.StartedOn(id));
            var text = File.ReadAllText(Traces("monitor")[0]);
            Assert.Contains("env OCF_RESKEY_trace_ra=1", text);
            Assert.Contains($"monitor of {id}", text);
            Assert.Matches(@"\+ \d\d:\d\d:\d\d\.\d{6}: monitor: exit 0\n$", text);
            // pacemaker-execd names its log destinations; the agent's lines then go there, not to stderr too.
            Assert.Contains("env HA_LOGFILE=/var/log/pacemaker/pacemaker.log", text);
        }
        finally
        {
            cluster.On(1, "pcs", "resource", "update", id, "trace_ra=");
            Clean();
        }
    }

    [Fact]
    public void A_link_removed_by_hand_is_noticed_by_monitor_and_recovered_with_the_reason_in_crm_mon()
    {
        var (id, paths) = SharedData("fail1");
        var node = NodeNumber(cluster.StartedOn(id)[0]);
        File.Delete(Path.Combine(cluster.LocalOf(node), Path.GetRelativePath(cluster.Local, paths[1])));
        Assert.True(cluster.WaitFor(() => cluster.Status().Descendants("failure").Any(f => ((string?)f.Attribute("op_key"))?.StartsWith(id + "_monitor") == true)),
            $"no monitor failure recorded:\n{cluster.Status()}");
        var failure = cluster.Status().Descendants("failure").First(f => ((string?)f.Attribute("op_key"))!.StartsWith(id + "_monitor"));
        Assert.Contains(paths[1], (string?)failure.Attribute("exitreason"));
        Assert.True(cluster.WaitFor(() => cluster.StartedOn(id).Length == 1 && cluster.On(cluster.StartedOn(id).Length == 1 ? NodeNumber(cluster.StartedOn(id)[0]) : 1, "cat", Path.Combine(paths[1], "README")).Stdout == "the shared copy"),
            $"not recovered:\n{cluster.Status()}");
        Assert.Contains(cluster.Status().Descendants("resource_history"), h => (string?)h.Attribute("id") == id && (int?)h.Attribute("fail-count") >= 1);
    }

    /// <summary>
    /// cib-examples/xcat-mn-san's group as written — IPaddr2, Filesystem, shareddata, xcatdb, xcatd,
    /// its operations, stickiness and meta attributes — with only the site values replaced: an
    /// address on the nodes' own subnet, the shared storage bind-mounted (Filesystem, fstype none)
    /// on a per-node /HA-data that shareddata requires to be a mount point, the PostgreSQL fixture,
    /// the xcatd stand-in.
    /// </summary>
    [Fact]
    public void The_management_node_cib_example_runs_as_written_with_its_address_and_filesystem_and_moves_as_a_group()
    {
        var pg = new PostgresFixture();
        _fixtures.Add(pg);
        var xcatd = new XcatdStandIn();
        _fixtures.Add(xcatd);
        var haData = Path.Combine(cluster.Local, "HA-data");
        var paths = new[] { "install", "tftpboot" }.Select(p => Path.Combine(cluster.Local, "mn-example", p)).ToArray();
        foreach (var node in new[] { 1, 2 })
        {
            Directory.CreateDirectory(Path.Combine(cluster.LocalOf(node), "HA-data"));
            foreach (var p in paths) Directory.CreateDirectory(Path.Combine(cluster.LocalOf(node), Path.GetRelativePath(cluster.Local, p)));
        }
        foreach (var p in paths)
        {
            Directory.CreateDirectory(cluster.Shared + p);
            File.WriteAllText(Path.Combine(cluster.Shared + p, "README"), "the shared copy");
        }
        var subnet = System.Text.RegularExpressions.Regex.Match(cluster.On(1, "ip", "-o", "-4", "addr", "show").Stdout, @"inet (10\.99\.\d+)\.").Groups[1].Value;
        Assert.NotEmpty(subnet);
        var vip = $"{subnet}.100";

        var example = XDocument.Load(Path.Combine(Built.RepoRoot, "cib-examples", "xcat-mn-san", "cib.xml"));
        var group = example.Descendants("group").Single();
        void Site(string type, IEnumerable<KeyValuePair<string, string>> values, bool replaceAll = false)
        {
            var primitive = group.Elements("primitive").Single(p => (string?)p.Attribute("type") == type);
            var ia = primitive.Element("instance_attributes")!;
            var id = (string)primitive.Attribute("id")!;
            if (replaceAll) ia.Elements("nvpair").Remove();
            foreach (var (k, v) in values)
            {
                ia.Elements("nvpair").Where(n => (string?)n.Attribute("name") == k).Remove();
                ia.Add(new XElement("nvpair", new XAttribute("id", $"{id}-{k}"), new XAttribute("name", k), new XAttribute("value", v)));
            }
        }
        Site("IPaddr2", new Dictionary<string, string> { ["ip"] = vip });
        Site("Filesystem", new Dictionary<string, string> { ["device"] = cluster.Shared, ["directory"] = haData, ["fstype"] = "none", ["options"] = "bind" });
        Site("shareddata", new Dictionary<string, string> { ["shared_root"] = haData, ["paths"] = string.Join(' ', paths) });
        Site("xcatdb", pg.Params(), replaceAll: true);
        Site("xcatd", xcatd.Params(("pidfile", "/run/xcatd-example.pid")), replaceAll: true);
        var members = group.Elements("primitive").Select(p => (string)p.Attribute("id")!).ToArray();
        _groups.Add((string)group.Attribute("id")!);
        _resources.AddRange(members);

        var c = cluster.On(1, "cibadmin", "--create", "-o", "resources", "--xml-text", group.ToString());
        Assert.True(c.Code == 0, c.ToString());
        bool AllOn(string node) => members.All(m => cluster.StartedOn(m).SequenceEqual([node]));
        Assert.True(cluster.WaitFor(() => AllOn("node1") || AllOn("node2"), 90), $"the example never Started:\n{cluster.Status()}\n{Tail(cluster.PacemakerLog(1))}");
        var from = AllOn("node1") ? 1 : 2;
        var to = 3 - from;
        void AssertActiveOn(int node)
        {
            Assert.Contains($"inet {vip}/24", cluster.On(node, "ip", "-o", "-4", "addr", "show").Stdout);
            Assert.DoesNotContain($"inet {vip}/", cluster.On(3 - node, "ip", "-o", "-4", "addr", "show").Stdout);
            Assert.Equal(haData, cluster.On(node, "findmnt", "-n", "-o", "TARGET", "--target", haData).Stdout.Trim());
            Assert.Equal("the shared copy", cluster.On(node, "cat", Path.Combine(paths[0], "README")).Stdout);
        }
        AssertActiveOn(from);

        var move = cluster.On(1, "crm_resource", "--move", "--resource", "xcat_mn", "--node", $"node{to}");
        Assert.True(move.Code == 0, move.ToString());
        Assert.True(cluster.WaitFor(() => AllOn($"node{to}"), 120), $"not moved:\n{cluster.Status()}\n{Tail(cluster.PacemakerLog(to))}");
        AssertActiveOn(to);
        Assert.NotEqual(haData, cluster.On(from, "findmnt", "-n", "-o", "TARGET", "--target", haData).Stdout.Trim());
        Assert.Empty(cluster.Status().Descendants("failure"));
        Assert.Equal(0, cluster.On(1, "crm_resource", "--clear", "--resource", "xcat_mn").Code);
    }
}
