using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// ocf-harness, the standalone contract checker, run on heartbeat's own agents, on a fixture
/// agent with one fault per check, and on ours. Its verdicts are read from its JSON report and
/// its text report, as a user would.
/// </summary>
public class HarnessTests
{
    private const string Heartbeat = "/usr/lib/ocf/resource.d/heartbeat";
    private const string DataCheck = "start then stop leaves the file system around the resource as it was";

    [Fact]
    public void Heartbeat_Dummy_passes_every_check()
    {
        var dir = Scratch();
        var r = Harness.Run($"{Heartbeat}/Dummy", new Dictionary<string, string> { ["state"] = Path.Combine(dir, "dummy.state") });
        Assert.True(r.Code == 0, r.Report);
        Assert.Equal(0, r.Summary("fail"));
        // "Every check" means every one ran: a skipped check is not a pass.
        Assert.True(r.Summary("skip") == 0, r.Report);
        Assert.Equal("pass", r.Verdict("meta-data is valid against the OCF 1.1 RelaxNG schema (xmllint --relaxng)"));
        Assert.Equal("pass", r.Verdict("migrate_to (to harness-peer) then migrate_from (back) exit 0 and the resource runs here"));
        Assert.Equal("pass", r.Verdict(DataCheck));
        Assert.False(File.Exists(Path.Combine(dir, "dummy.state")));
    }

    [Fact]
    public void Symlink_overwriting_an_existing_backup_is_reported_as_data_lost()
    {
        var dir = Scratch();
        Directory.CreateDirectory(Path.Combine(dir, "target"));
        File.WriteAllText(Path.Combine(dir, "link"), "the file the link replaces\n");
        File.WriteAllText(Path.Combine(dir, "link.bak"), "an older backup the admin kept\n");
        var r = Harness.Run($"{Heartbeat}/symlink", new Dictionary<string, string>
        {
            ["link"] = Path.Combine(dir, "link"), ["target"] = Path.Combine(dir, "target"), ["backup_suffix"] = ".bak",
        }, killPoints: 0);

        Assert.Equal(1, r.Code);
        Assert.Contains($"  FAIL  {DataCheck}\n        {dir}/link.bak (file, 31 bytes, sha256 ", r.Report);
        Assert.Contains("existed before start and is gone after stop", r.Check(DataCheck).GetProperty("detail").GetString());
        Assert.Equal("pass", r.Verdict("start exits 0"));
        // What the harness saw is what happened: the admin's backup is gone for good.
        Assert.DoesNotContain(Directory.GetFiles(dir).Select(File.ReadAllText), t => t.StartsWith("an older backup"));
    }

    [Fact]
    public void Symlink_with_a_plus_in_the_target_path_is_reported_failing_start_and_stop_and_leaving_its_link()
    {
        var dir = Scratch();
        Directory.CreateDirectory(Path.Combine(dir, "a+b", "target"));
        var link = Path.Combine(dir, "link");
        var target = Path.Combine(dir, "a+b", "target");
        var r = Harness.Run($"{Heartbeat}/symlink", new Dictionary<string, string> { ["link"] = link, ["target"] = target });

        Assert.Equal(1, r.Code);
        Assert.Equal($"exit 5 (not installed), expected 0 (success): {link} does not point to {target}!", r.Check("stop exits 0").GetProperty("detail").GetString());
        Assert.Equal($"{link} (symlink → {target}) was left behind by start and stop, at a path a parameter names", r.Check(DataCheck).GetProperty("detail").GetString());
        Assert.Equal(target, new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void Each_fault_of_a_careless_agent_is_reported_with_what_to_fix()
    {
        var dir = Scratch();
        var agent = Path.Combine(Built.RepoRoot, "tests", "harness-fixtures", "careless");
        var r = Harness.Run(Built.PublicCopyOf(agent), new Dictionary<string, string> { ["state"] = Path.Combine(dir, "state") }, killPoints: 0);

        Assert.Equal(1, r.Code);
        Assert.Equal("it wrote careless.cache into its working directory",
            r.Check("meta-data as an unprivileged user with HOME unset prints the same XML and writes nothing").GetProperty("detail").GetString());
        Assert.Equal("start still running at 1000 ms, killed", r.Check("every action finished within its timeout").GetProperty("detail").GetString());
        Assert.Equal("killed by SIGKILL at its timeout, expected 0 (success)", r.Check("start exits 0").GetProperty("detail").GetString());
        Assert.Equal("exit 0 (success); expected 2 (invalid arguments) or 6 (not configured)",
            r.Check("validate-all without the required parameter state exits 2 or 6 with an exit reason").GetProperty("detail").GetString());
        Assert.Contains("  FAIL  every action finished within its timeout", r.Report);
    }

    [Fact]
    public void A_monitor_failing_without_a_reason_is_reported()
    {
        var dir = Scratch();
        var state = Path.Combine(dir, "state");
        File.WriteAllText(state, "running");
        File.SetUnixFileMode(state, UnixFileMode.None);
        var agent = Built.PublicCopyOf(Path.Combine(Built.RepoRoot, "tests", "harness-fixtures", "careless"));
        // As nobody the state file is unreadable: monitor answers 1 with nothing to show.
        var r = Harness.Run(agent, new Dictionary<string, string> { ["state"] = state }, killPoints: 0,
            runner: argv => Run.Command(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", .. argv]), extra: ["--json"]);
        Assert.Equal(1, r.Code);
        var reasons = r.Check("every failure prints an ocf-exit-reason line Pacemaker can show (≤ 128 characters)").GetProperty("detail").GetString()!;
        Assert.True(reasons.StartsWith("monitor (initial state): exit 1 (generic error) without a reason", StringComparison.Ordinal), r.Report);
        Assert.Equal("skip", r.Verdict("meta-data as an unprivileged user with HOME unset prints the same XML and writes nothing"));
    }

    [Fact]
    public void Shareddata_passes_every_check_with_five_paths_and_its_timings_are_in_the_report()
    {
        var tree = new SharedTree();
        var r = Harness.Run(Built.PublicCopy("shareddata"), tree.Params(), killPoints: 3);
        Assert.True(r.Code == 0, r.Report);
        Assert.Empty(r.Failed);
        Assert.Equal("pass", r.Verdict(DataCheck));
        Assert.Equal(3, r.Json.RootElement.GetProperty("checks").EnumerateArray().Count(c => c.GetProperty("name").GetString()!.StartsWith("SIGKILL at ") && c.GetProperty("verdict").GetString() == "pass"));
        Assert.Contains(r.Json.RootElement.GetProperty("timings").EnumerateArray(), t => t.GetProperty("action").GetString() == "migrate_from" && t.GetProperty("runs").GetInt32() == 1);
        Assert.Matches(@"\n  start +\d+ +\d+ +\d+\.\d +\d+\.\d +\d+\.\d\n", r.Report);
        // Runs killed at a SIGKILL point are counted in the table, not left out of it.
        var killedStarts = r.Json.RootElement.GetProperty("checks").EnumerateArray().SelectMany(c => c.GetProperty("runs").EnumerateArray())
            .Count(run => run.GetProperty("action").GetString() == "start" && run.TryGetProperty("signal", out _));
        Assert.Equal(killedStarts, r.Json.RootElement.GetProperty("timings").EnumerateArray().Single(t => t.GetProperty("action").GetString() == "start").GetProperty("killed").GetInt32());
        tree.AssertDeactivated();
        tree.AssertNothingLost();
    }

    [Fact]
    public void Shareddata_given_the_existing_backup_that_symlink_overwrites_refuses_it_in_validate_all_and_loses_nothing()
    {
        var tree = new SharedTree(count: 1);
        var path = tree.Paths[0];
        Directory.CreateDirectory(tree.Backup(path));
        File.WriteAllText(Path.Combine(tree.Backup(path), "older"), "an older backup the admin kept");
        var r = Harness.Run(Built.PublicCopy("shareddata"), tree.Params(), killPoints: 0);
        Assert.Equal(1, r.Code);
        Assert.Equal($"exit 5 (not installed), expected 0 (success): both {path} and backup {tree.Backup(path)} exist; move one away by hand",
            r.Check("validate-all exits 0 with the given parameters").GetProperty("detail").GetString());
        Assert.Equal("skip", r.Verdict("the lifecycle checks"));
        Assert.Equal("an older backup the admin kept", File.ReadAllText(Path.Combine(tree.Backup(path), "older")));
    }

    private static string Scratch()
    {
        var dir = Directory.CreateTempSubdirectory("harness").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        return dir;
    }
}
