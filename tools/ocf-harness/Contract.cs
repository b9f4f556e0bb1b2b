using System.Xml;
using OcfAgents.Sys;

namespace OcfAgents.Harness;

public enum Verdict { Pass, Fail, Warn, Skip }

/// <summary>One check: a sentence saying what must hold, whether it did, and the runs that decided it.</summary>
public sealed record Check(string Name, Verdict Verdict, string Detail, IReadOnlyList<Invocation> Runs);

public sealed record HarnessOptions
{
    public required string Agent { get; init; }
    public required string Instance { get; init; }
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public string? RelaxNg { get; init; }
    public string DtdDirectory { get; init; } = "/usr/share/resource-agents";
    public int Repeat { get; init; } = 2;
    public int KillPoints { get; init; } = 3;
    public IReadOnlyList<string> Watch { get; init; } = [];
    public string Peer { get; init; } = "harness-peer";
    public string UnprivilegedUser { get; init; } = "nobody";
    /// <summary>Overrides every advertised action timeout (ms).</summary>
    public int? TimeoutMs { get; init; }
    /// <summary>meta-data, validate-all and a probe only: nothing is started, stopped or changed.</summary>
    public bool Safe { get; init; }
}

/// <summary>
/// The OCF contract as a sequence of checks, in the order ocf-tester runs its own (meta-data,
/// validate-all, monitor of the stopped resource, start, monitor, start again, stop, stop
/// again, migrate), with what ocf-tester does not check added where it belongs: meta-data
/// without privileges or HOME, both schemas, missing required parameters, probes, every
/// advertised monitor depth, the file system around the resource before start and after stop,
/// SIGKILL part-way through start and stop, timeouts and exit reasons.
/// </summary>
public sealed class Contract
{
    private readonly HarnessOptions _o;
    private readonly AgentRunner _runner;
    private readonly List<Check> _checks = [];
    private readonly string _scratch;
    private AgentMetaData _md = null!;
    private int _unknownActionRun = -1;
    /// <summary>Runs whose missing exit reason a check already reported (not reported twice).</summary>
    private readonly HashSet<Invocation> _reasonJudged = [];

    public Contract(HarnessOptions options)
    {
        _o = options;
        _scratch = Directory.CreateTempSubdirectory("ocf-harness-").FullName;
        // Every action runs in a directory of its own, never in the harness's: what an agent
        // writes into its working directory is then seen, and lands nowhere that matters.
        var cwd = Directory.CreateDirectory(Path.Combine(_scratch, "run")).FullName;
        _runner = new AgentRunner(options.Agent, options.Instance, options.Parameters, _scratch, cwd);
    }

    public IReadOnlyList<Check> Checks => _checks;
    public IReadOnlyList<Invocation> Runs => _runner.Log;
    public AgentMetaData? MetaData => _md;

    public IReadOnlyList<Check> Run()
    {
        try
        {
            if (MetaDataChecks() && Validation()) Lifecycle();
            ContractWideChecks();
        }
        finally
        {
            try { Directory.Delete(_scratch, recursive: true); } catch (IOException) { }
        }
        return _checks;
    }

    // ---- meta-data ---------------------------------------------------------------------------

    private bool MetaDataChecks()
    {
        var m = Do("meta-data");
        if (!Expect("meta-data exits 0", m, 0)) return false;
        try { _md = AgentMetaData.Parse(m.Stdout); }
        catch (XmlException e)
        {
            Add("meta-data prints well-formed XML with a <resource-agent> root", Verdict.Fail, e.Message, m);
            return false;
        }
        Add("meta-data prints well-formed XML with a <resource-agent> root", Verdict.Pass, $"resource-agent \"{_md.Name}\" version {_md.Version}", m);
        Unprivileged(m.Stdout);
        Schema("meta-data is valid against ra-api-1.dtd (xmllint --valid)", Path.Combine(_o.DtdDirectory, "ra-api-1.dtd"),
            ["xmllint", "--noout", "--valid", "-"], m.Stdout, _o.DtdDirectory);
        Schema("meta-data is valid against the OCF 1.1 RelaxNG schema (xmllint --relaxng)", _o.RelaxNg,
            ["xmllint", "--noout", "--relaxng", _o.RelaxNg ?? "", "-"], m.Stdout, "/");
        Advertised();
        return true;
    }

    /// <summary>Pacemaker runs meta-data as hacluster with HOME unset; it must print the same XML and write nothing.</summary>
    private void Unprivileged(string expected)
    {
        const string name = "meta-data as an unprivileged user with HOME unset prints the same XML and writes nothing";
        if (!IsRoot()) { Add(name, Verdict.Skip, "needs root to switch users"); return; }
        if (PasswdEntry(_o.UnprivilegedUser) is not { } id) { Add(name, Verdict.Skip, $"no user {_o.UnprivilegedUser} in /etc/passwd"); return; }
        var cwd = Path.Combine(_scratch, "cwd");
        Directory.CreateDirectory(cwd);
        File.SetUnixFileMode(Path.GetDirectoryName(cwd)!, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(cwd, (UnixFileMode)0b1_111_111_111); // 1777: anything it writes lands here and is seen
        var r = _runner.Run("meta-data", new RunOptions { Label = $"meta-data as {_o.UnprivilegedUser}", As = id, WorkingDirectory = cwd, TimeoutMs = TimeoutOf("meta-data") });
        var written = Directory.GetFileSystemEntries(cwd);
        if (r.Signal is not null || r.ExitCode != 0)
            Add(name, Verdict.Fail, $"{r.Outcome}: {FirstLine(r.Stderr)}", r);
        else if (r.Stdout != expected)
            Add(name, Verdict.Fail, $"the XML differs from root's ({r.Stdout.Length} vs {expected.Length} bytes)", r);
        else if (written.Length > 0)
            Add(name, Verdict.Fail, $"it wrote {string.Join(", ", written.Select(Path.GetFileName))} into its working directory", r);
        else
            Add(name, r.Stderr.Length > 0 ? Verdict.Warn : Verdict.Pass, r.Stderr.Length > 0 ? $"stderr: {FirstLine(r.Stderr)}" : $"as {_o.UnprivilegedUser} (uid {id.Uid})", r);
    }

    private void Schema(string name, string? schema, string[] argv, string xml, string cwd)
    {
        if (schema is null || !File.Exists(schema)) { Add(name, Verdict.Skip, schema is null ? "no schema given (--rng)" : $"{schema} not found"); return; }
        if (!PathText.OnPath("xmllint")) { Add(name, Verdict.Skip, "xmllint not installed (Debian: libxml2-utils)"); return; }
        var r = ProcessRunner.Run(new ProcessSpec(argv) { StandardInput = xml, WorkingDirectory = cwd }, Deadline.After(TimeSpan.FromSeconds(30)));
        Add(name, r.Succeeded ? Verdict.Pass : Verdict.Fail, r.Succeeded ? schema : FirstLine(r.Stderr));
    }

    private void Advertised()
    {
        string[] required = ["start", "stop", "monitor", "meta-data"];
        var missing = required.Where(a => !_md.Advertises(a)).ToList();
        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"missing {string.Join(", ", missing)}");
        foreach (var (a, b) in new[] { ("migrate_to", "migrate_from"), ("promote", "demote") })
            if (_md.Advertises(a) != _md.Advertises(b)) problems.Add($"{(_md.Advertises(a) ? a : b)} without {(_md.Advertises(a) ? b : a)}");
        var name = "meta-data advertises start, stop, monitor and meta-data (and pairs migrate_to/from, promote/demote)";
        if (problems.Count > 0) Add(name, Verdict.Fail, string.Join("; ", problems));
        else if (!_md.Advertises("validate-all")) Add(name, Verdict.Warn, "validate-all is not advertised: Pacemaker's crm_resource --validate cannot use it");
        else Add(name, Verdict.Pass, string.Join(" ", _md.Actions.Select(a => a.Name).Distinct()));
    }

    // ---- the lifecycle -----------------------------------------------------------------------

    /// <summary>
    /// validate-all first, then the unknown action: agents commonly validate before they look at
    /// the action (Pacemaker never sends an unknown one), so an unknown action is only expected to
    /// give 3 once the configuration validates. Without a required parameter, validate-all must
    /// refuse with a reason. True when the configuration validates (the lifecycle can run).
    /// </summary>
    private bool Validation()
    {
        var missing = _md.Parameters.Where(p => p.Required && p.Default is null && !_o.Parameters.ContainsKey(p.Name)).Select(p => p.Name).ToList();
        var valid = true;
        if (_md.Advertises("validate-all"))
        {
            if (missing.Count > 0)
            {
                var r = Do("validate-all", label: "validate-all (required parameters missing)");
                var name = $"validate-all without the required {string.Join(", ", missing)} exits 2 or 6 with an exit reason";
                if (r.Signal is null && r.ExitCode == 5)
                    Add(name, Verdict.Skip, $"{r.Outcome}{(r.ExitReasons.Count > 0 ? $": {r.ExitReasons[0]}" : "")}: what the agent needs is not installed here, so its parameter check is not reached", r);
                else if (r.Signal is not null || r.ExitCode is not (2 or 6)) Add(name, Verdict.Fail, $"{r.Outcome}; expected 2 (invalid arguments) or 6 (not configured)", r);
                else if (r.ExitReasons.Count == 0) { Add(name, Verdict.Warn, $"{r.Outcome} without an ocf-exit-reason line: crm_mon shows no reason", r); _reasonJudged.Add(r); }
                else Add(name, Verdict.Pass, $"{r.Outcome}: {r.ExitReasons[0]}", r);
                valid = false;
            }
            else if (_o.Parameters.Count == 0)
            {
                // No configuration at all (--all over someone's agents): refusing it, with a
                // reason, is as right as accepting it.
                var r = Do("validate-all");
                const string name = "validate-all without parameters exits 0, or refuses with 2, 5 or 6 and an exit reason";
                valid = r.Signal is null && r.ExitCode == 0;
                if (valid) Add(name, Verdict.Pass, $"{r.Milliseconds:F1} ms", r);
                else if (r.Signal is not null || r.ExitCode is not (2 or 5 or 6)) Add(name, Verdict.Fail, $"{r.Outcome}; expected 0, 2, 5 or 6", r);
                else if (r.ExitReasons.Count == 0) { Add(name, Verdict.Warn, $"{r.Outcome} without an ocf-exit-reason line: crm_mon shows no reason", r); _reasonJudged.Add(r); }
                else Add(name, Verdict.Pass, $"{r.Outcome}: {r.ExitReasons[0]}", r);
            }
            else if (Expect("validate-all exits 0 with the given parameters", Do("validate-all"), 0)) MissingRequired();
            else valid = false;
        }
        else valid = missing.Count == 0;

        if (valid)
        {
            var unknown = Do("harness-no-such-action");
            _unknownActionRun = _runner.Log.Count - 1;
            Expect("an unknown action exits 3 (unimplemented)", unknown, 3);
        }
        else Add("an unknown action exits 3 (unimplemented)", Verdict.Skip, "the configuration does not validate, and an agent may validate before it reads the action");

        if (_o.Safe)
        {
            if (valid) SafeProbe();
            else Add("a probe (interval 0) answers 0 or 7", Verdict.Skip, "the configuration does not validate: give the parameters the agent needs with -o name=value");
            return false;
        }
        if (!valid) Add("the lifecycle checks", Verdict.Skip, missing.Count > 0
            ? $"required parameters not given: {string.Join(", ", missing)} (-o name=value)"
            : "validate-all failed: give the parameters the agent needs with -o name=value");
        return valid;
    }

    /// <summary>--safe: the probe Pacemaker sends on every node, which must only look: 0 running, 7 not (8 promoted).</summary>
    private void SafeProbe() => ExpectProbe("a probe (interval 0) answers 0 (running) or 7 (not running)", 0, 7, 8);

    private void Lifecycle()
    {
        var first = Do("monitor", label: "monitor (initial state)");
        if (first.Signal is null && first.ExitCode is 0 or 8)
            Expect("the resource, found running, stops before the tests", Do("stop", label: "stop (cleanup)"), 0);
        if (!Expect("monitor of the stopped resource exits 7", first.ExitCode == 7 ? first : Do("monitor"), 7)) return;
        ExpectProbe("a probe (interval 0) of the stopped resource exits 7", 7);

        var watched = FsSnapshot.PathsIn(_o.Parameters.Values).Concat(_o.Watch).Distinct().ToList();
        var named = FsSnapshot.PathsIn(_o.Parameters.Values).ToHashSet();
        var before = FsSnapshot.Take(watched);

        var start = Do("start");
        var started = Expect("start exits 0", start, 0);
        if (started) Running(start);
        var stop = Do("stop");
        var stopped = Expect("stop exits 0", stop, 0);
        Expect("monitor after stop exits 7", Do("monitor"), 7);
        ExpectProbe("a probe after stop exits 7", 7);
        var again = Enumerable.Range(0, _o.Repeat).Select(_ => Do("stop", label: "stop (again)")).Append(Do("monitor")).ToList();
        ExpectAll($"stop of a stopped resource exits 0 ({_o.Repeat}×) and it stays stopped", again, 7);
        Preserved("start then stop leaves the file system around the resource as it was", before, watched, named);

        if (started && stopped) KillPoints(start.Milliseconds, stop.Milliseconds, before, watched, named);
        else if (_o.KillPoints > 0) Add("SIGKILL part-way through start and stop, the next stop and start converge", Verdict.Skip, "start or stop failed");
    }

    private void Running(Invocation start)
    {
        Expect("monitor after start exits 0", Do("monitor"), 0);
        ExpectProbe("a probe (interval 0) of the started resource exits 0", 0);
        foreach (var depth in _md.MonitorDepths.Where(d => d > 0))
            Expect($"monitor at OCF_CHECK_LEVEL={depth} of the started resource exits 0", Do("monitor", depth: depth, label: $"monitor (depth {depth})"), 0);
        var again = Enumerable.Range(0, _o.Repeat).Select(_ => Do("start", label: "start (again)")).Append(Do("monitor")).ToList();
        ExpectAll($"start of a started resource exits 0 ({_o.Repeat}×) and it stays running", again, 0);

        if (_md.Advertises("notify"))
            Expect("notify exits 0", Do("notify", extra: new() { ["OCF_RESKEY_CRM_meta_notify_type"] = "pre", ["OCF_RESKEY_CRM_meta_notify_operation"] = "start" }), 0);
        if (_md.Advertises("promote") && _md.Advertises("demote"))
        {
            ExpectAll("promote exits 0 and monitor then exits 8 (promoted)", [Do("promote"), Do("monitor")], 8);
            ExpectAll("demote exits 0 and monitor then exits 0", [Do("demote"), Do("monitor")], 0);
        }
        foreach (var reload in new[] { "reload", "reload-agent" }.Where(_md.Advertises))
            ExpectAll($"{reload} exits 0 and the resource stays running", [Do(reload), Do("monitor")], 0);
        if (_md.Advertises("migrate_to") && _md.Advertises("migrate_from"))
        {
            var here = Environment.MachineName;
            var to = Do("migrate_to", extra: new() { ["OCF_RESKEY_CRM_meta_migrate_source"] = here, ["OCF_RESKEY_CRM_meta_migrate_target"] = _o.Peer });
            var from = Do("migrate_from", extra: new() { ["OCF_RESKEY_CRM_meta_migrate_source"] = _o.Peer, ["OCF_RESKEY_CRM_meta_migrate_target"] = here });
            ExpectAll($"migrate_to (to {_o.Peer}) then migrate_from (back) exit 0 and the resource runs here", [to, from, Do("monitor")], 0);
        }
    }

    /// <summary>Each required parameter left out in turn: validate-all must refuse, naming it.</summary>
    private void MissingRequired()
    {
        foreach (var p in _md.Parameters.Where(p => p.Required && p.Default is null && _o.Parameters.ContainsKey(p.Name)))
        {
            var r = Do("validate-all", label: $"validate-all without {p.Name}", without: p.Name);
            var name = $"validate-all without the required parameter {p.Name} exits 2 or 6 with an exit reason";
            if (r.Signal is not null || r.ExitCode is not (2 or 6)) Add(name, Verdict.Fail, $"{r.Outcome}; expected 2 (invalid arguments) or 6 (not configured)", r);
            else if (r.ExitReasons.Count == 0) Add(name, Verdict.Fail, $"{r.Outcome} without an ocf-exit-reason line", r);
            else Add(name, Verdict.Pass, $"{r.Outcome}: {r.ExitReasons[0]}", r);
        }
    }

    /// <summary>
    /// Pacemaker's executor kills an action at its timeout with SIGKILL; the next stop or start
    /// must finish the job. Each point is a fraction of the measured start and stop.
    /// </summary>
    private void KillPoints(double startMs, double stopMs, FsSnapshot before, IReadOnlyList<string> watched, IReadOnlySet<string> named)
    {
        for (var k = 1; k <= _o.KillPoints; k++)
        {
            var f = (double)k / (_o.KillPoints + 1);
            int AtStart() => Math.Max(1, (int)(f * startMs));
            int AtStop() => Math.Max(1, (int)(f * stopMs));
            var name = $"SIGKILL at {k * 100 / (_o.KillPoints + 1)}% of start ({AtStart()} ms) and of stop ({AtStop()} ms): the next stop and start converge and nothing is lost";
            var runs = new List<Invocation>
            {
                Do("start", label: "start (killed)", killAfter: AtStart()),
                Do("stop", label: "stop (after a killed start)"),
                Do("monitor"),
                Do("start", label: "start (killed)", killAfter: AtStart()),
                Do("start", label: "start (after a killed start)"),
                Do("monitor"),
                Do("stop", label: "stop (killed)", killAfter: AtStop()),
                Do("stop", label: "stop (after a killed stop)"),
                Do("monitor"),
            };
            int?[] expected = [null, 0, 7, null, 0, 0, null, 0, 7];
            var wrong = runs.Zip(expected).Where(p => p.Second is { } e && (p.First.Signal is not null || p.First.ExitCode != e))
                            .Select(p => $"{p.First.Label}: {Explain(p.First, p.Second!.Value)}").ToList();
            var lost = FsCompare.Compare(before, FsSnapshot.Take(watched), named).Where(d => d.IsFailure).Select(Describe).ToList();
            var problems = wrong.Concat(lost).ToList();
            Add(name, problems.Count == 0 ? Verdict.Pass : Verdict.Fail,
                problems.Count == 0 ? $"{runs.Count(r => r.KilledAtPoint)} of 3 runs killed before they finished" : string.Join("; ", problems), [.. runs]);
            if (wrong.Count > 0) return; // the state is unknown now; later points would only repeat it
        }
    }

    private void Preserved(string name, FsSnapshot before, IReadOnlyList<string> watched, IReadOnlySet<string> named)
    {
        if (watched.Count == 0) { Add(name, Verdict.Skip, "no parameter names an absolute path (add --watch PATH)"); return; }
        var diffs = FsCompare.Compare(before, FsSnapshot.Take(watched), named);
        var failures = diffs.Where(d => d.IsFailure).Select(Describe).ToList();
        var notes = diffs.Where(d => !d.IsFailure).Select(Describe).ToList();
        var scope = $"{before.Entries.Count} paths watched{(before.Truncated ? " (truncated)" : "")}";
        if (failures.Count > 0) Add(name, Verdict.Fail, string.Join("; ", failures));
        else if (notes.Count > 0) Add(name, Verdict.Warn, $"{scope}; {string.Join("; ", notes.Take(5))}{(notes.Count > 5 ? $"; and {notes.Count - 5} more" : "")}");
        else Add(name, Verdict.Pass, scope);
    }

    private static string Describe(FsDifference d) => (d.Before.Kind, d.After.Kind) switch
    {
        (_, "absent") => $"{d.Path} ({d.Before}) existed before start and is gone after stop",
        ("absent", _) => $"{d.Path} ({d.After}) was left behind by start and stop{(d.NamedByParameter ? ", at a path a parameter names" : "")}",
        _ when d.IsLoss => $"{d.Path} was {d.Before} before start and is {d.After} after stop",
        _ => $"{d.Path} changed ({d.Before} → {d.After})",
    };

    // ---- checks over every run ---------------------------------------------------------------

    private void ContractWideChecks()
    {
        var runs = _runner.Log;
        var late = runs.Where(r => r.TimedOut).ToList();
        var longest = runs.Where(r => r.Signal is null).OrderByDescending(r => r.Milliseconds / TimeoutOf(r.Action)).FirstOrDefault();
        Add("every action finished within its timeout", late.Count == 0 ? Verdict.Pass : Verdict.Fail,
            late.Count > 0 ? string.Join("; ", late.Select(r => $"{r.Label} still running at {TimeoutOf(r.Action)} ms, killed"))
                : longest is null ? "" : $"closest: {longest.Label} {longest.Milliseconds:F0} ms of {TimeoutOf(longest.Action)} ms", [.. late]);

        var failures = runs.Where((r, i) => r.Signal is null && IsFailure(r) && i != _unknownActionRun).ToList();
        var silent = failures.Where(r => r.ExitReasons.Count == 0 && !_reasonJudged.Contains(r)).ToList();
        var tooLong = failures.SelectMany(r => r.ExitReasons).Where(x => x.Length > 128).ToList();
        var name = "every failure prints an ocf-exit-reason line Pacemaker can show (≤ 128 characters)";
        if (silent.Count > 0) Add(name, Verdict.Fail, string.Join("; ", silent.Select(r => $"{r.Label}: {r.Outcome} without a reason")), [.. silent]);
        else if (tooLong.Count > 0) Add(name, Verdict.Warn, $"{tooLong.Count} longer than 128 characters (crm_mon cuts them): {tooLong[0]}");
        else Add(name, Verdict.Pass, failures.Count == 0 ? "no failures" : $"{failures.Count} failures, each with a reason");
    }

    /// <summary>
    /// | exit | monitor/probe        | any other action |
    /// |------|----------------------|------------------|
    /// | 0    | running              | success          |
    /// | 7    | stopped (an answer)  | failure          |
    /// | 8    | promoted (an answer) | failure          |
    /// | else | failure              | failure          |
    /// </summary>
    private static bool IsFailure(Invocation r) =>
        r.ExitCode != 0 && !(r.Action is "monitor" or "status" && r.ExitCode is 7 or 8);

    // ---- helpers -----------------------------------------------------------------------------

    private Invocation Do(string action, string? label = null, int? depth = null, string? without = null,
        Dictionary<string, string>? extra = null, int? killAfter = null, bool probe = false) =>
        _runner.Run(action, new RunOptions
        {
            Label = label ?? (probe ? "probe" : action),
            TimeoutMs = TimeoutOf(action),
            IntervalMs = _md?.Actions.FirstOrDefault(a => a.Name == "monitor" && a.IntervalMs > 0)?.IntervalMs ?? 0,
            Depth = depth,
            Probe = probe,
            KillAfterMs = killAfter,
            Without = without is null ? new HashSet<string>() : new HashSet<string> { without },
            ExtraEnvironment = extra ?? [],
        });

    private int TimeoutOf(string action) =>
        _o.TimeoutMs ?? _md?.Action(action is "harness-no-such-action" ? "meta-data" : action)?.TimeoutMs ?? 20_000;

    /// <summary>A probe answering one of <paramref name="codes"/>; where 7 is an answer, 5 is a warning.</summary>
    private void ExpectProbe(string name, params int[] codes)
    {
        var r = Do("monitor", probe: true);
        if (codes.Contains(7) && r.Signal is null && r.ExitCode == 5)
            Add(name, Verdict.Warn, "exit 5 (not installed): Pacemaker reads that as stopped here and bans the resource from this node", r);
        else if (r.Signal is null && codes.Contains(r.ExitCode)) Add(name, Verdict.Pass, $"{r.Outcome}, {r.Milliseconds:F1} ms", r);
        else Add(name, Verdict.Fail, Explain(r, codes[0]), r);
    }

    private bool Expect(string name, Invocation r, int code)
    {
        var ok = r.Signal is null && r.ExitCode == code;
        Add(name, ok ? Verdict.Pass : Verdict.Fail, ok ? $"{r.Milliseconds:F1} ms" : Explain(r, code), r);
        return ok;
    }

    /// <summary>All runs but the last must exit 0; the last (a monitor) must give <paramref name="last"/>.</summary>
    private bool ExpectAll(string name, IReadOnlyList<Invocation> runs, int last)
    {
        var wrong = runs.Select((r, i) => (r, code: i == runs.Count - 1 ? last : 0))
                        .Where(p => p.r.Signal is not null || p.r.ExitCode != p.code)
                        .Select(p => $"{p.r.Label}: {Explain(p.r, p.code)}").ToList();
        Add(name, wrong.Count == 0 ? Verdict.Pass : Verdict.Fail, string.Join("; ", wrong), [.. runs]);
        return wrong.Count == 0;
    }

    private static string Explain(Invocation r, int expected) =>
        $"{r.Outcome}, expected {expected} ({OcfCodes.Name(expected)}){(r.ExitReasons.Count > 0 ? $": {r.ExitReasons[0]}" : "")}";

    private void Add(string name, Verdict verdict, string detail, params Invocation[] runs) =>
        _checks.Add(new Check(name, verdict, detail, runs));

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";

    private static bool IsRoot() => File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, _, var effective, ..] && effective == "0";

    private static (int Uid, int Gid)? PasswdEntry(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
            if (line.Split(':') is [var n, _, var uid, var gid, ..] && n == user && int.TryParse(uid, out var u) && int.TryParse(gid, out var g))
                return (u, g);
        return null;
    }
}
