using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// SIGKILL at every step boundary of start and stop, then a re-run: the set converges and no
/// data is lost or overwritten. Uses the Debug build whose crash points are compiled in
/// (OCFAGENTS_CRASH_AT=N kills the agent at the Nth boundary); release binaries have none.
/// </summary>
public class CrashMatrixTests
{
    private static readonly string Hooked = Built.WithHooks("shareddata");
    private static readonly string Release = Built.Release("shareddata");

    // Per path, start passes: temporary link made, (moved aside), linked. Stop: unlinked, restored.
    private const int StartBoundaries = 5 * 3;
    private const int StopBoundaries = 5 * 2;

    private static int CountBoundaries(string action, SharedTree tree)
    {
        var r = Run.Agent(Hooked, action, tree.Params(), new() { ["OCFAGENTS_CRASH_TRACE"] = "1" });
        Assert.True(r.Code == 0, r.ToString());
        return r.Stderr.Split('\n').Count(l => l.StartsWith("crash-point "));
    }

    private static AgentResult KillAt(string action, SharedTree tree, int boundary)
    {
        var r = Run.Agent(Hooked, action, tree.Params(), new() { ["OCFAGENTS_CRASH_AT"] = boundary.ToString() });
        Assert.True(r.Killed, $"{action} was not killed at boundary {boundary}: {r}");
        return r;
    }

    [Fact]
    public void The_matrix_covers_every_boundary_of_a_five_path_start_and_stop()
    {
        var tree = new SharedTree();
        Assert.Equal(StartBoundaries, CountBoundaries("start", tree));
        Assert.Equal(StopBoundaries, CountBoundaries("stop", tree));
        tree.AssertDeactivated();
    }

    public static TheoryData<int> StartPoints => new(Enumerable.Range(1, StartBoundaries));
    public static TheoryData<int> StopPoints => new(Enumerable.Range(1, StopBoundaries));

    [Theory]
    [MemberData(nameof(StartPoints))]
    public void A_start_killed_at_any_boundary_converges_on_start_again(int boundary)
    {
        var tree = new SharedTree();
        KillAt("start", tree, boundary);
        tree.AssertNothingLost();
        var again = Run.Agent(Release, "start", tree.Params());
        Assert.True(again.Code == 0, again.ToString());
        tree.AssertActivated();
        Assert.Equal(0, Run.Agent(Release, "stop", tree.Params()).Code);
        tree.AssertDeactivated();
    }

    [Theory]
    [MemberData(nameof(StartPoints))]
    public void A_start_killed_at_any_boundary_converges_on_stop(int boundary)
    {
        var tree = new SharedTree();
        KillAt("start", tree, boundary);
        var stop = Run.Agent(Release, "stop", tree.Params());
        Assert.True(stop.Code == 0, stop.ToString());
        tree.AssertDeactivated();
    }

    [Theory]
    [MemberData(nameof(StopPoints))]
    public void A_stop_killed_at_any_boundary_converges_on_stop_again_or_start(int boundary)
    {
        var tree = new SharedTree();
        Assert.Equal(0, Run.Agent(Release, "start", tree.Params()).Code);
        KillAt("stop", tree, boundary);
        tree.AssertNothingLost();
        // Half-stopped is never reported as running: partial (1) or, after the last boundary, stopped (7).
        var monitor = Run.Agent(Release, "monitor", tree.Params(), new() { ["OCF_RESKEY_CRM_meta_interval"] = "10000" });
        Assert.Contains(monitor.Code, new[] { 1, 7 });

        var restart = Run.Agent(Release, "start", tree.Params());
        Assert.True(restart.Code == 0, restart.ToString());
        tree.AssertActivated();

        KillAt("stop", tree, boundary);
        var stop = Run.Agent(Release, "stop", tree.Params());
        Assert.True(stop.Code == 0, stop.ToString());
        tree.AssertDeactivated();
    }

    [Fact]
    public void Release_binaries_carry_no_crash_hooks_while_the_test_build_does()
    {
        static bool Mentions(string file, string text) =>
            File.ReadAllBytes(file).AsSpan().IndexOf(System.Text.Encoding.Unicode.GetBytes(text)) >= 0 ||
            File.ReadAllBytes(file).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;
        Assert.False(Mentions(Release, "OCFAGENTS_CRASH_AT"));
        Assert.True(Mentions(Path.Combine(Path.GetDirectoryName(Hooked)!, "OcfAgents.dll"), "OCFAGENTS_CRASH_AT"));
        var tree = new SharedTree(count: 1);
        var r = Run.Agent(Release, "start", tree.Params(), new() { ["OCFAGENTS_CRASH_AT"] = "1", ["OCFAGENTS_CRASH_TRACE"] = "1" });
        Assert.Equal(0, r.Code);
        Assert.DoesNotContain("crash-point", r.Stderr);
    }

    [Fact]
    public void A_start_that_hangs_answers_with_a_timeout_reason_before_Pacemakers_timeout()
    {
        var tree = new SharedTree();
        var r = Run.Agent(Hooked, "start", tree.Params(), new()
        {
            ["OCFAGENTS_STALL_AT"] = "4", ["OCF_RESKEY_CRM_meta_timeout"] = "3000",
        }, limit: TimeSpan.FromSeconds(30));
        Assert.False(r.Killed);
        Assert.Equal(1, r.Code);
        Assert.Equal(Reason.Shown("start timed out after 3s (deadline before Pacemaker's timeout)"), r.ExitReason);
        tree.AssertNothingLost();
        Assert.Equal(0, Run.Agent(Release, "stop", tree.Params()).Code);
        tree.AssertDeactivated();
    }

    /// <summary>
    /// The release binary (NativeAOT) on shared storage that stops answering: every link is in
    /// place, but stat(2) of a target waits forever on a FUSE mount whose server never replies.
    /// The deadline, not Pacemaker's SIGKILL, ends the monitor, with a reason an admin can act on.
    /// </summary>
    [Fact]
    public void A_monitor_on_hung_shared_storage_answers_with_a_timeout_reason_before_Pacemakers_timeout()
    {
        var tree = new SharedTree();
        Assert.Equal(0, Run.Agent(Release, "start", tree.Params()).Code);
        var hung = new[] { "unshare", "--mount", "--propagation", "private", "python3",
            Path.Combine(Built.RepoRoot, "tests", "OcfAgents.Agents.Tests", "Support", "hung-storage.py"), tree.Root, "--" };
        var r = Run.Agent(Release, "monitor", tree.Params(), new()
        {
            ["OCF_RESKEY_CRM_meta_timeout"] = "3000", ["OCF_RESKEY_CRM_meta_interval"] = "10000",
        }, limit: TimeSpan.FromSeconds(30), wrapper: hung);
        Assert.False(r.Killed, r.ToString());
        Assert.True(r.Code == 1, r.ToString());
        Assert.Equal("monitor timed out after 3s (deadline before Pacemaker's timeout)", r.ExitReason);
        Assert.Equal(0, Run.Agent(Release, "monitor", tree.Params()).Code);
        Assert.Equal(0, Run.Agent(Release, "stop", tree.Params()).Code);
        tree.AssertDeactivated();
    }
}
