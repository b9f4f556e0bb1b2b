using System.Diagnostics;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// shareddata when two actions meet on one path (an admin's `crm_resource --force-start` during a
/// stop, or two resources listing the same path), and when the kernel resolves a path
/// differently from its text. Forced interleavings: start is frozen (SIGSTOP at a crash point of
/// the hooks build) right after it moved the node's file aside, the other action runs, start goes on.
/// </summary>
public sealed class SharedDataRaceTests
{
    private const string NodeFile = "the node's own file\n";

    /// <summary>One link path holding a regular file of the node's, and its target on the shared root.</summary>
    private static (SharedTree Tree, string Path, Dictionary<string, string> Params) OneFile()
    {
        var tree = new SharedTree(count: 1, originals: false);
        var path = tree.Paths[0];
        File.WriteAllText(path, NodeFile);
        return (tree, path, tree.Params());
    }

    /// <summary>start, frozen by itself right after it moved the path's data aside (the first crash point).</summary>
    private static Process FrozenStart(Dictionary<string, string> reskeys)
    {
        var p = Run.AgentProcess(Built.WithHooks("shareddata"), "start", reskeys, new() { ["OCFAGENTS_PAUSE_AT"] = "1" });
        Until(() => State(p.Id) == 'T', "start never reached its first crash point");
        return p;
    }

    private static char State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException) { return '?'; }
    }

    private static void Until(Func<bool> ready, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!ready())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), what);
            Thread.Sleep(10);
        }
    }

    /// <summary>Processes other than <paramref name="except"/> with <paramref name="file"/> open.</summary>
    private static bool OpenedByAnother(string file, int except) =>
        Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d)).Where(n => n.All(char.IsAsciiDigit) && n != except.ToString())
            .Any(pid =>
            {
                try { return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Any(fd => new FileInfo(fd).LinkTarget == file); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
            });

    private static AgentResult Finish(Process p)
    {
        Run.Command(["kill", "-CONT", p.Id.ToString()]);
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "start did not finish after SIGCONT");
        return new AgentResult(p.ExitCode, p.StandardOutput.ReadToEnd(), stderr.Result, false);
    }

    [Fact]
    public async Task A_stop_during_a_start_of_the_same_resource_waits_for_it_and_the_nodes_file_survives()
    {
        var (tree, path, p) = OneFile();
        using var start = FrozenStart(p);
        Assert.False(File.Exists(path));
        var stop = Task.Run(() => Run.Agent(Built.Release("shareddata"), "stop", p));
        // Ready when the stop holds the lock file open: it is waiting for the frozen start.
        var lockFile = Path.Combine(Run.RscTmp(p), "ocfagents", "shareddata-test.lock");
        Until(() => OpenedByAnother(lockFile, start.Id) || stop.IsCompleted, "stop never came to the lock");
        Assert.False(stop.IsCompleted, $"stop did not wait for the start: {(stop.IsCompleted ? await stop : null)}");

        var started = Finish(start);
        Assert.True(started.Code == 0, started.ToString());
        var stopped = await stop;
        Assert.True(stopped.Code == 0, stopped.ToString());
        Assert.Contains("waiting for it", stopped.Stderr);
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal(NodeFile, File.ReadAllText(path));
        Assert.False(File.Exists(tree.Backup(path)));
    }

    [Fact]
    public void A_second_resource_restoring_the_path_mid_start_is_never_overwritten_by_the_first()
    {
        var (tree, path, p) = OneFile();
        using var start = FrozenStart(p);
        // Another resource with the same paths (its own lock) stops meanwhile and restores the file.
        var other = Run.Agent(Built.Release("shareddata"), "stop", p, env: new() { ["OCF_RESOURCE_INSTANCE"] = "other" });
        Assert.True(other.Code == 0, other.ToString());
        Assert.Equal(NodeFile, File.ReadAllText(path));

        var started = Finish(start);
        Assert.Equal(1, started.Code);
        Assert.Contains($"{path} reappeared while start was linking it", started.ExitReason);
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal(NodeFile, File.ReadAllText(path));
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(path)!, "*.shareddata-new"));
    }

    /// <summary>
    /// The link path's parent is a symlink into shared_root, so the "node's" path is the shared
    /// copy itself: start used to rename the shared data aside on the shared storage.
    /// </summary>
    [Theory]
    [InlineData("validate-all")]
    [InlineData("start")]
    public void A_link_path_whose_parent_resolves_into_shared_root_is_refused_with_6_and_nothing_is_touched(string action)
    {
        var tree = new SharedTree(count: 1, originals: false);
        var real = tree.Paths[0];
        var alias = Path.Combine(tree.Base, "alias");
        File.CreateSymbolicLink(alias, Path.GetDirectoryName(tree.Target(real))!);
        var path = Path.Combine(alias, Path.GetFileName(real));
        var p = tree.Params(("paths", path), ("mapping", $"{path}={tree.Target(real)}"));
        var before = Snapshot(tree.Root);

        var r = Run.Agent(Built.Release("shareddata"), action, p);
        Assert.Equal(6, r.Code);
        Assert.StartsWith($"{path} resolves to {tree.Target(real)}", r.ExitReason);
        Assert.Contains($"{path} resolves to {tree.Target(real)}, inside shared_root {tree.Root}", r.Stderr);
        Assert.Equal(before, Snapshot(tree.Root));
        tree.AssertNothingLost(originals: false);
    }

    private static string Snapshot(string dir) =>
        string.Join("\n", Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
}
