using System.Text.RegularExpressions;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// Seed 003 as it ran: Heartbeat 3.0.6 in v1 mode (crm off, haresources), two nodes in their own
/// namespaces (tests/heartbeat/hb-cluster.sh) configured from cib-examples/heartbeat-v1, one
/// stonith_host line per node with our external/xcat-ipmi, each BMC an ipmi_sim on the other
/// node's network. The node holding the address and the resource dies; the survivor must reset it
/// through our plugin before it takes them over.
/// </summary>
[Collection("cluster")]
public sealed class HeartbeatV1Tests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("ocfagents-hb.").FullName;
    private static string Script => Path.Combine(Built.RepoRoot, "tests", "heartbeat", "hb-cluster.sh");

    public void Dispose()
    {
        Run.Command([Script, "down", root]);
        try { Directory.Delete(root, true); } catch (IOException) { }
    }

    private string Read(string relative) => File.Exists(Path.Combine(root, relative)) ? File.ReadAllText(Path.Combine(root, relative)) : "";

    [Fact]
    public void A_dead_node_is_reset_through_external_xcat_ipmi_before_the_survivor_takes_its_address_and_resource()
    {
        _ = Built.Release("xcat-ipmi");
        var up = Run.Command([Script, "up", root], limit: TimeSpan.FromMinutes(3));
        Assert.True(up.Code == 0, up + Read("node1/ha-log"));
        var vip = Regex.Match(up.Stdout, @"address (\S+)\)").Groups[1].Value;
        Assert.Equal("node1\n", Read("shared/owner"));
        Assert.Contains($"inet {vip}/24", Run.Command([Script, "run", root, "node1", "ip", "-o", "-4", "addr", "show"]).Stdout);
        File.Delete(Path.Combine(root, "shared", "owner"));

        Assert.Equal(0, Run.Command([Script, "crash", root, "node1"]).Code);
        Assert.True(Poll.Until(() => Read("bmc1/state/events").Contains("power 0"), TimeSpan.FromSeconds(60)),
            $"node1 was not fenced:\n{Read("node2/ha-log")}");
        Assert.True(Poll.Until(() => Read("shared/owner") == "node2\n", TimeSpan.FromSeconds(60)), $"node2 did not take over:\n{Read("node2/ha-log")}");
        Assert.Contains($"inet {vip}/24", Run.Command([Script, "run", root, "node2", "ip", "-o", "-4", "addr", "show"]).Stdout);

        // Heartbeat's own word: the reset through our plugin, then the takeover; a reset is off, then on.
        var log = Read("node2/ha-log");
        var reset = log.IndexOf("Resetting node node1 with [IPMI STONITH device", StringComparison.Ordinal);
        var done = log.IndexOf("node node1 now reset.", StringComparison.Ordinal);
        var takeover = log.IndexOf("Acquiring resource group: node1", reset < 0 ? 0 : reset, StringComparison.Ordinal);
        Assert.True(reset >= 0 && done > reset && takeover > done, $"expected reset, then takeover:\n{log}");
        Assert.Equal(["power 0", "power 1"], Read("bmc1/state/events").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", Read("bmc2/state/events")); // node1's device never fired at node2
    }
}
