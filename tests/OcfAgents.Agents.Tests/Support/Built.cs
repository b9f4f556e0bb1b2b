using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>The built executables under test: release NativeAOT binaries (dist/bin) and the Debug builds with crash hooks.</summary>
public static class Built
{
    public static string RepoRoot { get; } = FindRoot();
    /// <summary>The OCF 1.1 meta-data schema, written for this repository from the specification (tests/schemas).</summary>
    public static string Schema => Path.Combine(RepoRoot, "tests", "schemas", "ocf-ra-api-1.1.rng");
    public static string Golden(string name) => Path.Combine(RepoRoot, "tests", "OcfAgents.Agents.Tests", "golden", name);

    public static string Release(string agent) => Existing(Path.Combine(RepoRoot, "dist", "bin", agent), "make publish");
    public static string WithHooks(string agent) => Existing(Path.Combine(RepoRoot, "build", "hooks", agent, agent), "make hooks");

    /// <summary>
    /// A copy of the release binary in a world-readable directory, for tools that run it as an
    /// unprivileged user (ocf-tester runs meta-data as nobody) or from a private OCF root.
    /// </summary>
    public static string PublicCopy(string agent) => PublicCopyOf(Release(agent));

    /// <summary>Like <see cref="PublicCopy"/>, for any executable (a fixture agent, the harness).</summary>
    public static string PublicCopyOf(string source)
    {
        var copy = Path.Combine(PublicDirectory.Value, Path.GetFileName(source));
        lock (typeof(Built))
        {
            if (!File.Exists(copy))
            {
                File.Copy(source, copy + ".tmp", overwrite: true);
                File.SetUnixFileMode(copy + ".tmp", (UnixFileMode)0b111_101_101);
                File.Move(copy + ".tmp", copy);
            }
        }
        return copy;
    }

    // A new directory per test run: a name reused from an earlier run (a recycled PID) would hand
    // out that run's binaries.
    private static readonly Lazy<string> PublicDirectory = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("ocfagents-bin-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        return dir;
    });

    private static string Existing(string path, string how) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run '{how}' (make test does)");

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "OcfAgents.sln"))) return d.FullName;
        throw new InvalidOperationException("OcfAgents.sln not found above the test directory");
    }
}

/// <summary>How crm_mon shows a reason: one line of at most 128 characters (longer ones end in "...").</summary>
public static class Reason
{
    public static string Shown(string full) => full.Length <= 128 ? full : full[..125] + "...";
}

/// <summary>What Pacemaker would see from one agent run.</summary>
public sealed record AgentResult(int Code, string Stdout, string Stderr, bool Killed)
{
    public string[] ExitReasons => Stderr.Split('\n').Where(l => l.StartsWith("ocf-exit-reason:")).Select(l => l["ocf-exit-reason:".Length..]).ToArray();
    public string ExitReason => Assert.Single(ExitReasons);
    public override string ToString() => $"exit {Code}{(Killed ? " (SIGKILL)" : "")}\n{Stderr}";
}

/// <summary>Runs an agent the way the executor does: a bare environment (PATH, OCF_*; HOME unset).</summary>
public static class Run
{
    public static AgentResult Agent(string binary, string action, Dictionary<string, string> reskeys,
        Dictionary<string, string>? env = null, string? asUser = null, TimeSpan? limit = null, string? workDir = null,
        IReadOnlyList<string>? wrapper = null) =>
        Start(AgentStartInfo(binary, action, reskeys, env, asUser, workDir, wrapper), limit ?? TimeSpan.FromSeconds(60));

    /// <summary>The same run as <see cref="Agent"/>, started and handed over while it runs (stdout and stderr redirected).</summary>
    public static Process AgentProcess(string binary, string action, Dictionary<string, string> reskeys, Dictionary<string, string>? env = null) =>
        Process.Start(AgentStartInfo(binary, action, reskeys, env, null, null, null))!;

    private static ProcessStartInfo AgentStartInfo(string binary, string action, Dictionary<string, string> reskeys,
        Dictionary<string, string>? env, string? asUser, string? workDir, IReadOnlyList<string>? wrapper)
    {
        var argv = new List<string>(wrapper ?? []);
        if (asUser is not null) argv.AddRange(["setpriv", $"--reuid={asUser}", $"--regid={(asUser == "nobody" ? "nogroup" : asUser)}", "--clear-groups"]);
        argv.AddRange([binary, action]);
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = workDir ?? "/",
        };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        psi.Environment["OCF_ROOT"] = "/usr/lib/ocf";
        psi.Environment["OCF_RESOURCE_INSTANCE"] = "test";
        foreach (var (k, v) in reskeys) psi.Environment["OCF_RESKEY_" + k] = v;
        psi.Environment["HA_RSCTMP"] = RscTmp(reskeys);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return psi;
    }

    /// <summary>
    /// Every test calls its resource "test"; on a real node an instance name is one resource. The
    /// agents serialise actions per instance in HA_RSCTMP, so each distinct parameter set (one
    /// test's resource) gets its own HA_RSCTMP: tests running side by side never wait for each
    /// other, while the actions of one test's resource still meet on one lock. Sticky and
    /// world-writable like /tmp, for the tests that run an action as nobody.
    /// </summary>
    public static string RscTmp(IReadOnlyDictionary<string, string> reskeys)
    {
        var text = string.Join("\n", reskeys.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
        var dir = Path.Combine(Path.GetTempPath(), "ocfagents-rsctmp", hash);
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(Path.GetDirectoryName(dir)!, (UnixFileMode)0b1_111_111_111);
            File.SetUnixFileMode(dir, (UnixFileMode)0b1_111_111_111);
        }
        return dir;
    }

    public static AgentResult Command(IReadOnlyList<string> argv, TimeSpan? limit = null, IReadOnlyDictionary<string, string>? env = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return Start(psi, limit ?? TimeSpan.FromSeconds(120), stdin);
    }

    /// <summary>
    /// A fence agent as Pacemaker runs it: key=value lines on stdin (or arguments), a bare
    /// environment plus <paramref name="env"/> (how cluster-glue passes external/ parameters).
    /// </summary>
    public static AgentResult Fence(string binary, IReadOnlyList<string> args, string? stdin = null,
        IReadOnlyDictionary<string, string>? env = null, TimeSpan? limit = null)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return Start(psi, limit ?? TimeSpan.FromSeconds(60), stdin ?? "");
    }

    private static AgentResult Start(ProcessStartInfo psi, TimeSpan limit, string? stdin = null)
    {
        using var p = Process.Start(psi)!;
        if (stdin is not null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(true);
            throw new TimeoutException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} still running after {limit}");
        }
        p.WaitForExit();
        // .NET reports a child killed by signal N as 128+N.
        return new AgentResult(p.ExitCode, stdout.Result, stderr.Result, p.ExitCode == 128 + 9);
    }
}

/// <summary>Golden files under tests/…/golden; OCFAGENTS_UPDATE_GOLDEN=1 rewrites them (review the diff).</summary>
public static class Golden
{
    public static void Check(string name, string actual)
    {
        var path = Built.Golden(name);
        if (Environment.GetEnvironmentVariable("OCFAGENTS_UPDATE_GOLDEN") == "1") File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"golden file {path} is missing; create it with OCFAGENTS_UPDATE_GOLDEN=1");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
