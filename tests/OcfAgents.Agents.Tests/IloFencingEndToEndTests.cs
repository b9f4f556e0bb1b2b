using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// iLO fencing in a real 2-node cluster (seed 004): each node's iLO is the stand-in on the other
/// node's network namespace, port 443 (where that node's fence device runs, never on the node it
/// fences), trusted through its certificate. A crashed node does not come back, so each API has
/// its own cluster.
/// </summary>
public abstract class IloFencingEndToEndTests(ClusterFixture cluster) : IDisposable
{
    private readonly List<IloSim> _ilos = [];

    public void Dispose()
    {
        foreach (var s in _ilos) s.Dispose();
    }

    /// <summary>The stonith primitive that fences <paramref name="target"/> through <paramref name="ilo"/>.</summary>
    protected abstract string Fence(string id, string target, IloSim ilo);

    [Fact]
    public void A_crashed_node_is_fenced_through_its_iLO_and_its_resource_comes_up_on_the_survivor()
    {
        var ilo1 = IloSim.InNetNs(cluster.NetNs(2)); // node1's iLO, reached from node2
        _ilos.Add(ilo1);
        var ilo2 = IloSim.InNetNs(cluster.NetNs(1)); // node2's iLO, reached from node1
        _ilos.Add(ilo2);
        IloSim Ilo(int node) => node == 1 ? ilo1 : ilo2;
        var victim = CrashAndFence.Run(cluster, Fence("fence_node1", "node1", ilo1) + Fence("fence_node2", "node2", ilo2),
            node => Ilo(node).Events.Any(e => e is "power off" or "hold button" or "reset" or "cold boot"));
        Assert.True(cluster.WaitFor(() => Ilo(victim).PowerOn, 30), $"a reboot ends with the power on: {string.Join(", ", Ilo(victim).Events)}");
    }
}

/// <summary>Through the fence-agent API: fence_riloe with fence_ilo's option names.</summary>
[Collection("cluster")]
public sealed class FenceRiloeEndToEndTests(ClusterFixture cluster) : IloFencingEndToEndTests(cluster), IClassFixture<ClusterFixture>
{
    protected override string Fence(string id, string target, IloSim ilo) => $"""
        <primitive id="{id}" class="stonith" type="fence_riloe">
          <instance_attributes id="{id}-ia">
            <nvpair id="{id}-host" name="pcmk_host_list" value="{target}"/>
            <nvpair id="{id}-ip" name="ip" value="127.0.0.1"/>
            <nvpair id="{id}-username" name="username" value="{IloSim.User}"/>
            <nvpair id="{id}-password" name="password" value="{IloSim.Password}"/>
            <nvpair id="{id}-ssl_ca_file" name="ssl_ca_file" value="{ilo.CertFile}"/>
            <nvpair id="{id}-ribcl_version" name="ribcl_version" value="2.0"/>
            <nvpair id="{id}-method" name="method" value="onoff"/>
          </instance_attributes>
          <operations><op id="{id}-monitor" name="monitor" interval="60s" timeout="30s"/></operations>
        </primitive>
        """;
}

/// <summary>
/// Through cluster-glue's API, as seed 004 configured external/riloe: its seven parameters with
/// only the type changed (stonith:external/xcat-riloe, run by Pacemaker through fence_legacy),
/// plus ilo_ca_file for the stand-in's self-signed certificate.
/// </summary>
[Collection("cluster")]
public sealed class XcatRiloeEndToEndTests(ClusterFixture cluster) : IloFencingEndToEndTests(cluster), IClassFixture<ClusterFixture>
{
    protected override string Fence(string id, string target, IloSim ilo) => $"""
        <primitive id="{id}" class="stonith" type="external/xcat-riloe">
          <instance_attributes id="{id}-ia">
            <nvpair id="{id}-hostlist" name="hostlist" value="{target}"/>
            <nvpair id="{id}-ilo_hostname" name="ilo_hostname" value="127.0.0.1"/>
            <nvpair id="{id}-ilo_user" name="ilo_user" value="{IloSim.User}"/>
            <nvpair id="{id}-ilo_password" name="ilo_password" value="{IloSim.Password}"/>
            <nvpair id="{id}-ilo_can_reset" name="ilo_can_reset" value="1"/>
            <nvpair id="{id}-ilo_protocol" name="ilo_protocol" value="2.0"/>
            <nvpair id="{id}-ilo_powerdown_method" name="ilo_powerdown_method" value="power"/>
            <nvpair id="{id}-ilo_ca_file" name="ilo_ca_file" value="{ilo.CertFile}"/>
          </instance_attributes>
          <operations><op id="{id}-monitor" name="monitor" interval="60s" timeout="30s"/></operations>
        </primitive>
        """;
}
