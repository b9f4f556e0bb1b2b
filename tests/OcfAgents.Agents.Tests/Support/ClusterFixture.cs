using System.Xml.Linq;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// A real 2-node corosync + Pacemaker cluster (tools/cluster.sh): node1 and node2 in their own
/// namespaces, our release agents at /usr/lib/ocf/resource.d/xcat inside them. Root/shared is
/// the same directory on both nodes; Root/local is each node's own (Root/nodeN/local).
/// </summary>
public class ClusterFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("ocfagents-cluster.").FullName;
    protected static string Script => Path.Combine(Built.RepoRoot, "tools", "cluster.sh");

    public ClusterFixture() : this(up: true) { }

    /// <param name="up">False: nothing is started (a fixture whose tests are all skipped).</param>
    protected ClusterFixture(bool up, Action<string>? before = null)
    {
        if (!up) return;
        _ = Built.Release("shareddata");
        before?.Invoke(Root);
        var r = Run.Command([Script, "up", Root, "2"], limit: TimeSpan.FromMinutes(3));
        Assert.True(r.Code == 0, $"cluster did not come up: {r}\n{PacemakerLog(1)}");
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

    /// <summary>A crashed node boots again and rejoins (its own address, fresh mounts and processes).</summary>
    public void Revive(int node)
    {
        var r = Run.Command([Script, "revive", Root, $"node{node}"], limit: TimeSpan.FromMinutes(2));
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

    public virtual void Dispose()
    {
        Run.Command([Script, "down", Root]);
        try { Directory.Delete(Root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// A <see cref="ClusterFixture"/> whose nodes run the real xCAT 2.19.0 (tools/cluster.sh xcat:
/// the tree on each node's /opt/xcat, credentials and SQLite tables made by xCAT's own scripts on
/// the shared storage). Without the tarball nothing is started and the tests using it are skipped.
/// </summary>
public sealed class XcatClusterFixture() : ClusterFixture(RealXcat.Tarball is not null, root =>
{
    var r = Run.Command([Script, "xcat", root, RealXcat.Tarball!], limit: TimeSpan.FromMinutes(3));
    Assert.True(r.Code == 0, r.ToString());
});
