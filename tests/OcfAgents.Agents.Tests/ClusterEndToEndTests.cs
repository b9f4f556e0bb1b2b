using OcfAgents.Agents.Tests.Support;

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
        Assert.Matches(@"xcat_db\s+\(ocf:xcat:xcatdb\):\s+Started node\d", r.Stdout);
        Assert.Contains("the shared /etc/xcat", r.Stdout);
        Assert.DoesNotContain(Run.Command(["ip", "netns", "list"]).Stdout.Split('\n'), l => l.StartsWith("ocfagents-"));
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

    private static int NodeNumber(string name) => int.Parse(name["node".Length..]);

    public void Dispose()
    {
        foreach (var id in _resources)
        {
            cluster.On(1, "crm_resource", "--resource", id, "--set-parameter", "target-role", "--meta", "--parameter-value", "Stopped");
            cluster.WaitFor(() => cluster.StartedOn(id).Length == 0, 30);
            cluster.On(1, "cibadmin", "--delete", "-o", "resources", "--xml-text", $"<primitive id=\"{id}\"/>");
            cluster.On(1, "crm_resource", "--cleanup", "--resource", id);
        }
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
}
