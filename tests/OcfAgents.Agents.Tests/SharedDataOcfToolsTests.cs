using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>shareddata driven by the cluster's own tools: resource-agents' ocf-tester and Pacemaker's crm_resource.</summary>
public class SharedDataOcfToolsTests
{
    [Fact]
    public void Ocf_tester_passes_on_shareddata_with_five_paths()
    {
        var tree = new SharedTree();
        var argv = new List<string> { "ocf-tester", "-n", "shared" };
        foreach (var (k, v) in tree.Params()) argv.AddRange(["-o", $"{k}={v}"]);
        argv.Add(Built.PublicCopy("shareddata"));
        var r = Run.Command(argv);
        Assert.True(r.Code == 0, r.Stdout + r.Stderr);
        Assert.Contains("passed all tests", r.Stdout);
        // ocf-tester ends with migrate_to + migrate_from, which leave the set active.
        tree.AssertActivated();
        Assert.Equal(0, Run.Agent(Built.Release("shareddata"), "stop", tree.Params()).Code);
        tree.AssertDeactivated();
    }

    [Fact]
    public void Ocf_tester_fails_when_the_configuration_is_wrong_so_its_pass_means_something()
    {
        var argv = new List<string> { "ocf-tester", "-n", "shared", "-o", "shared_root=relative/dir", Built.PublicCopy("shareddata") };
        var r = Run.Command(argv);
        Assert.NotEqual(0, r.Code);
    }

    /// <summary>
    /// crm_resource finds agents only under the compiled-in /usr/lib/ocf/resource.d. The agent is
    /// bind-mounted there inside a private mount namespace, so the host's tree is never written.
    /// </summary>
    [Fact]
    public void Crm_resource_validates_starts_checks_and_stops_shareddata_like_the_executor_does()
    {
        var tree = new SharedTree();
        var ocfRoot = Path.Combine(tree.Base, "resource.d");
        Directory.CreateDirectory(Path.Combine(ocfRoot, "xcat"));
        File.Copy(Built.PublicCopy("shareddata"), Path.Combine(ocfRoot, "xcat", "shareddata"));
        File.SetUnixFileMode(Path.Combine(ocfRoot, "xcat", "shareddata"), (UnixFileMode)0b111_101_101);

        var steps = new[] { "--validate", "--force-check", "--force-start", "--force-check", "--force-stop", "--force-check" };
        var script = new List<string> { "unshare", "--mount", "--propagation", "private", "--",
            Path.Combine(Built.RepoRoot, "tests", "tools", "with-ocf-root.sh"), ocfRoot, "--" };
        var results = new List<(string Step, int Code, string Output)>();
        foreach (var step in steps)
        {
            var argv = new List<string>(script) { "crm_resource", step, "--class", "ocf", "--provider", "xcat", "--agent", "shareddata" };
            foreach (var (k, v) in tree.Params()) argv.AddRange(["--option", $"{k}={v}"]);
            var r = Run.Command(argv);
            results.Add((step, r.Code, r.Stdout + r.Stderr));
            if (step == "--force-start") tree.AssertActivated();
        }
        Assert.Equal([0, 7, 0, 0, 0, 7], results.Select(r => r.Code));
        Assert.Contains("returned 0 (ok)", results[2].Output);
        tree.AssertDeactivated();
    }

    [Fact]
    public void Crm_resource_shows_the_exit_reason_of_a_refused_start()
    {
        var tree = new SharedTree();
        Directory.CreateDirectory(tree.Backup(tree.Paths[0]));
        var ocfRoot = Path.Combine(tree.Base, "resource.d");
        Directory.CreateDirectory(Path.Combine(ocfRoot, "xcat"));
        File.Copy(Built.PublicCopy("shareddata"), Path.Combine(ocfRoot, "xcat", "shareddata"));
        var argv = new List<string> { "unshare", "--mount", "--propagation", "private", "--",
            Path.Combine(Built.RepoRoot, "tests", "tools", "with-ocf-root.sh"), ocfRoot, "--",
            "crm_resource", "--force-start", "--class", "ocf", "--provider", "xcat", "--agent", "shareddata" };
        foreach (var (k, v) in tree.Params()) argv.AddRange(["--option", $"{k}={v}"]);
        var r = Run.Command(argv);
        Assert.Equal(5, r.Code);
        Assert.Contains(Reason.Shown($"both {tree.Paths[0]} and backup {tree.Backup(tree.Paths[0])} exist; move one away by hand"), r.Stdout + r.Stderr);
    }
}
