using System.Diagnostics;
using OcfAgents.Sys;

namespace OcfAgents.Harness;

/// <summary>One run of the agent, as Pacemaker's executor would see it.</summary>
public sealed record Invocation(
    string Action, string Label, int ExitCode, string? Signal, bool TimedOut, bool KilledAtPoint,
    double Milliseconds, string Stdout, string Stderr)
{
    public IReadOnlyList<string> ExitReasons =>
        Stderr.Split('\n').Where(l => l.StartsWith("ocf-exit-reason:", StringComparison.Ordinal))
              .Select(l => l["ocf-exit-reason:".Length..].Trim()).ToList();

    public string Outcome => Signal is { } s ? $"killed by {s}{(TimedOut ? " at its timeout" : "")}" : $"exit {ExitCode} ({OcfCodes.Name(ExitCode)})";
}

public sealed record RunOptions
{
    public string Label { get; init; } = "";
    public int TimeoutMs { get; init; } = 20_000;
    /// <summary>SIGKILL the agent's process group this long after it started (the crash checks).</summary>
    public int? KillAfterMs { get; init; }
    public bool Probe { get; init; }
    public int IntervalMs { get; init; }
    public int? Depth { get; init; }
    /// <summary>Parameters to leave out of the environment (the missing-parameter checks).</summary>
    public IReadOnlySet<string> Without { get; init; } = new HashSet<string>();
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; } = new Dictionary<string, string>();
    /// <summary>Run as this uid/gid with a bare environment (the meta-data privilege check).</summary>
    public (int Uid, int Gid)? As { get; init; }
    public string? WorkingDirectory { get; init; }
}

/// <summary>
/// Runs an agent the way pacemaker-execd does: a fresh process group per action, the OCF
/// environment (OCF_ROOT, OCF_RESOURCE_INSTANCE, OCF_RESKEY_*, CRM_meta_timeout/interval),
/// stdout and stderr captured, and SIGKILL to the whole group when the action's timeout passes.
/// </summary>
public sealed class AgentRunner(string agent, string instance, IReadOnlyDictionary<string, string> parameters, string scratch, string workingDirectory)
{
    private readonly List<Invocation> _log = [];
    public IReadOnlyList<Invocation> Log => _log;

    public Invocation Run(string action, RunOptions o)
    {
        var env = o.As is null ? InheritedEnvironment() : BareEnvironment();
        env["OCF_ROOT"] = Environment.GetEnvironmentVariable("OCF_ROOT") ?? "/usr/lib/ocf";
        env["OCF_RA_VERSION_MAJOR"] = "1";
        env["OCF_RA_VERSION_MINOR"] = "1";
        env["OCF_RESOURCE_INSTANCE"] = instance;
        env["OCF_RESOURCE_TYPE"] = Path.GetFileName(agent);
        env["OCF_RESOURCE_PROVIDER"] = Path.GetFileName(Path.GetDirectoryName(agent) ?? "");
        env["OCF_RESKEY_CRM_meta_timeout"] = o.TimeoutMs.ToString();
        if (action is "monitor" or "status")
            env["OCF_RESKEY_CRM_meta_interval"] = (o.Probe ? 0 : Math.Max(o.IntervalMs, 10_000)).ToString();
        if (o.Depth is { } depth) env["OCF_CHECK_LEVEL"] = depth.ToString();
        // meta-data as Pacemaker runs it: bare, no resource parameters (it describes the agent, not a resource).
        if (o.As is null && action != "meta-data")
            foreach (var (k, v) in parameters)
                if (!o.Without.Contains(k)) env["OCF_RESKEY_" + k] = v;
        foreach (var (k, v) in o.ExtraEnvironment) env[k] = v;

        List<string> argv = o.As is { } id
            ? ["setpriv", $"--reuid={id.Uid}", $"--regid={id.Gid}", "--clear-groups", "--", agent, action]
            : [agent, action];
        var stdout = Path.Combine(scratch, "stdout");
        var stderr = Path.Combine(scratch, "stderr");
        var clock = Stopwatch.StartNew();
        var pid = Daemon.SpawnGroupLeader(argv, env, stdout, stderr, o.WorkingDirectory ?? workingDirectory);
        var waiter = Task.Run(() => Daemon.Wait(pid));
        var limit = Math.Min(o.TimeoutMs, o.KillAfterMs ?? int.MaxValue);
        var killed = false;
        if (!waiter.Wait(limit))
        {
            // pacemaker-execd's timeout: SIGKILL to the process group, nothing gentler.
            Signal.SendGroup(pid, Signal.SIGKILL);
            killed = true;
        }
        var status = waiter.Result;
        var ms = clock.Elapsed.TotalMilliseconds;
        var signalled = (status & 0x7f) != 0;
        var run = new Invocation(action, o.Label == "" ? action : o.Label,
            Daemon.ExitCode(status), signalled ? SignalName(status & 0x7f) : null,
            TimedOut: killed && signalled && o.KillAfterMs is null,
            KilledAtPoint: killed && signalled && o.KillAfterMs is not null,
            ms, File.ReadAllText(stdout), File.ReadAllText(stderr));
        _log.Add(run);
        return run;
    }

    private static Dictionary<string, string> InheritedEnvironment()
    {
        var env = new Dictionary<string, string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            var k = (string)e.Key;
            if (k.StartsWith("OCF_RESKEY_", StringComparison.Ordinal) || k == "OCF_CHECK_LEVEL") continue;
            env[k] = (string?)e.Value ?? "";
        }
        return env;
    }

    /// <summary>What Pacemaker gives meta-data when it runs it as hacluster: no HOME, a plain PATH.</summary>
    private static Dictionary<string, string> BareEnvironment() => new() { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin" };

    private static string SignalName(int signal) => signal switch
    {
        9 => "SIGKILL", 15 => "SIGTERM", 6 => "SIGABRT", 11 => "SIGSEGV", 2 => "SIGINT", 13 => "SIGPIPE",
        _ => $"signal {signal}",
    };
}

/// <summary>The OCF exit codes by name (resource-agents' ocf-returncodes).</summary>
public static class OcfCodes
{
    public static string Name(int code) => code switch
    {
        0 => "success",
        1 => "generic error",
        2 => "invalid arguments",
        3 => "unimplemented",
        4 => "insufficient privileges",
        5 => "not installed",
        6 => "not configured",
        7 => "not running",
        8 => "running promoted",
        9 => "failed promoted",
        _ => "unknown",
    };
}
