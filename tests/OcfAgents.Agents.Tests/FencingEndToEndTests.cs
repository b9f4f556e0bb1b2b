using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// A node crash on a real 2-node cluster with fencing: each node's "BMC" is an ipmi_sim on the
/// other node's network (where its fence device runs, never on the node it fences), our
/// fence_ipmi is the stonith agent, and the BMC's power state is a file the test reads.
/// This class has its own cluster: a crashed node does not come back.
/// </summary>
[Collection("cluster")]
public sealed class FencingEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>, IDisposable
{
    private readonly List<IDisposable> _sims = [];

    public void Dispose()
    {
        foreach (var s in _sims) s.Dispose();
    }

    private static string Fence(string id, string target, IpmiSim bmc) => $"""
        <primitive id="{id}" class="stonith" type="fence_ipmi">
          <instance_attributes id="{id}-ia">
            <nvpair id="{id}-host" name="pcmk_host_list" value="{target}"/>
            <nvpair id="{id}-ip" name="ip" value="127.0.0.1"/>
            <nvpair id="{id}-ipport" name="ipport" value="{bmc.Port}"/>
            <nvpair id="{id}-username" name="username" value="{IpmiSim.User}"/>
            <nvpair id="{id}-password" name="password" value="{IpmiSim.Password}"/>
            <nvpair id="{id}-lanplus" name="lanplus" value="1"/>
            <nvpair id="{id}-cipher" name="cipher" value="3"/>
          </instance_attributes>
          <operations><op id="{id}-monitor" name="monitor" interval="30s" timeout="20s"/></operations>
        </primitive>
        """;

    [Fact]
    public void A_crashed_node_is_fenced_through_fence_ipmi_and_its_resource_comes_up_on_the_survivor()
    {
        var bmc1 = IpmiSim.InNetNs(cluster.NetNs(2)); // node1's BMC, reached from node2
        _sims.Add(bmc1);
        var bmc2 = IpmiSim.InNetNs(cluster.NetNs(1)); // node2's BMC, reached from node1
        _sims.Add(bmc2);
        IpmiSim Bmc(int node) => node == 1 ? bmc1 : bmc2;
        var victim = CrashAndFence.Run(cluster, Fence("fence_node1", "node1", bmc1) + Fence("fence_node2", "node2", bmc2),
            node => Bmc(node).Events.Length > 0);
        Assert.True(Bmc(victim).PowerOn, "a reboot ends with the power on"); // stonith-action=reboot: off, then on
        Assert.Contains("power 0", Bmc(victim).Events);
    }
}

/// <summary>
/// The crash every fencing test runs: FENCES (a device per node, named fence_node1 and
/// fence_node2, each kept off the node it fences) and a Dummy are loaded with fencing on; the
/// Dummy's node is crashed; the survivor must fence it (<paramref name="fenced"/> says the victim's
/// device saw it, Pacemaker records a successful fence event) and then run the Dummy.
/// </summary>
internal static class CrashAndFence
{
    /// <returns>The crashed node's number.</returns>
    public static int Run(ClusterFixture cluster, string fences, Func<int, bool> fenced)
    {
        var configuration = $"""
            <configuration>
              <crm_config>
                <cluster_property_set id="cib-bootstrap-options">
                  <nvpair id="opt-stonith-enabled" name="stonith-enabled" value="true"/>
                </cluster_property_set>
              </crm_config>
              <resources>
                {fences}
                <primitive id="fenced_dummy" class="ocf" provider="heartbeat" type="Dummy">
                  <operations><op id="fenced_dummy-monitor" name="monitor" interval="5s" timeout="20s"/></operations>
                </primitive>
              </resources>
              <constraints>
                <rsc_location id="fence_node1-not-on-node1" rsc="fence_node1" node="node1" score="-INFINITY"/>
                <rsc_location id="fence_node2-not-on-node2" rsc="fence_node2" node="node2" score="-INFINITY"/>
              </constraints>
            </configuration>
            """;
        var load = cluster.On(1, "cibadmin", "--modify", "--allow-create", "-o", "configuration", "--xml-text", configuration);
        Assert.True(load.Code == 0, load.ToString());
        Assert.True(cluster.WaitFor(() => cluster.StartedOn("fence_node1").SequenceEqual(["node2"]) && cluster.StartedOn("fence_node2").SequenceEqual(["node1"])
            && cluster.StartedOn("fenced_dummy").Length == 1, 60), $"not started:\n{cluster.Status()}\n{Tail(cluster.PacemakerLog(1))}");
        var victim = int.Parse(cluster.StartedOn("fenced_dummy")[0]["node".Length..]);
        var survivor = 3 - victim;

        cluster.Crash(victim);
        Assert.True(cluster.WaitFor(() => fenced(victim), 60), $"node{victim} was not fenced:\n{cluster.Status(survivor)}\n{Tail(cluster.PacemakerLog(survivor))}");
        Assert.True(cluster.WaitFor(() => cluster.Status(survivor).Descendants("fence_event")
            .Any(e => (string?)e.Attribute("target") == $"node{victim}" && (string?)e.Attribute("status") == "success"), 60), $"no successful fence event:\n{cluster.Status(survivor)}");
        Assert.True(cluster.WaitFor(() => cluster.Status(survivor).Descendants("resource")
            .Any(r => (string?)r.Attribute("id") == "fenced_dummy" && (string?)r.Attribute("role") == "Started"
                && r.Elements("node").Any(n => (string?)n.Attribute("name") == $"node{survivor}")), 60), $"not recovered:\n{cluster.Status(survivor)}");
        return victim;
    }

    private static string Tail(string log) => log[Math.Max(0, log.Length - 3000)..];
}
