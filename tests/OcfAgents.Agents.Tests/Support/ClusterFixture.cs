using System.Xml.Linq;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// A real 2-node corosync + Pacemaker cluster (tools/cluster.sh): node1 and node2 in their own
/// namespaces, our release agents at /usr/lib/ocf/resource.d/xcat inside them. Root/shared is
/// the same directory on both nodes; Root/local is each node's own (Root/nodeN/local).
/// </summary>
public sealed class ClusterFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("ocfagents-cluster.").FullName;
    private static string Script => Path.Combine(Built.RepoRoot, "tools", "cluster.sh");

    public ClusterFixture()
    {
        _ = Built.Release("shareddata");
        var up = Run.Command([Script, "up", Root, "2"], limit: TimeSpan.FromMinutes(3));
        Assert.True(up.Code == 0, $"cluster did not come up: {up}\n{PacemakerLog(1)}");
    }

    public string Shared => Path.Combine(Root, "shared");
    public string Local => Path.Combine(Root, "local");
    /// <summary>Node N's own view of Local, from outside the node.</summary>
    public string LocalOf(int node) => Path.Combine(Root, $"node{node}", "local");

    public AgentResult On(int node, params string[] argv) => Run.Command([Script, "run", Root, $"node{node}", .. argv], limit: TimeSpan.FromMinutes(2));

    public string NetNs(int node) => Run.Command([Script, "netns", Root, $"node{node}"]).Stdout.Trim();

    public void Crash(int node)
    {
        var r = Run.Command([Script, "crash", Root, $"node{node}"]);
        Assert.True(r.Code == 0, r.ToString());
    }

    public XDocument Status(int node = 1)
    {
        var r = On(node, "crm_mon", "-1", "--output-as=xml", "--include=all");
        Assert.True(r.Code == 0, r.ToString());
        return XDocument.Parse(r.Stdout);
    }

    /// <summary>The nodes a resource is Started on, per crm_mon.</summary>
    public string[] StartedOn(string resource) => Status().Descendants("resource")
        .Where(e => (string?)e.Attribute("id") == resource && (string?)e.Attribute("role") == "Started")
        .SelectMany(e => e.Elements("node").Select(n => (string)n.Attribute("name")!)).ToArray();

    public bool WaitFor(Func<bool> condition, int seconds = 60) =>
        Poll.Until(condition, TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(200));

    public string PacemakerLog(int node)
    {
        var f = Path.Combine(Root, $"node{node}", "log", "pacemaker", "pacemaker.log");
        return File.Exists(f) ? File.ReadAllText(f) : "";
    }

    public void Dispose()
    {
        Run.Command([Script, "down", Root]);
        try { Directory.Delete(Root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
