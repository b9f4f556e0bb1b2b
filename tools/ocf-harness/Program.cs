using System.CommandLine;
using System.Diagnostics;
using OcfAgents.Harness;

// ocf-harness: runs any OCF resource agent through the contract Pacemaker relies on.
// Exit status: 0 when no check failed (warnings allowed), 1 when one did, 2 on bad usage.
var agent = new Argument<string?>("agent") { Description = "path to the resource agent (e.g. /usr/lib/ocf/resource.d/heartbeat/Dummy)", Arity = ArgumentArity.ZeroOrOne };
var option = new Option<string[]>("--option", "-o") { Description = "a resource parameter, name=value (repeatable)", AllowMultipleArgumentsPerToken = false };
var name = new Option<string?>("--name", "-n") { Description = "resource instance name (OCF_RESOURCE_INSTANCE; default harness-<agent>)" };
var safe = new Option<bool>("--safe") { Description = "only meta-data, validate-all and a probe: never start, stop or change anything (for a node in production, or anyone's agents)" };
var all = new Option<string?>("--all") { Description = "check every agent in this provider directory (e.g. /usr/lib/ocf/resource.d/heartbeat), in --safe mode unless --full, with one summary table" };
var full = new Option<bool>("--full") { Description = "with --all: the whole lifecycle for every agent (starts and stops them)" };
var json = new Option<bool>("--json") { Description = "print the report as JSON instead of text" };
var jsonFile = new Option<string?>("--json-file") { Description = "also write the JSON report to this file" };
var junit = new Option<string?>("--junit") { Description = "also write the report as JUnit XML to this file (one testsuite per agent, one testcase per check)" };
var tap = new Option<bool>("--tap") { Description = "print the report as TAP version 13 instead of text" };
var rng = new Option<string?>("--rng") { Description = "a RelaxNG schema to check meta-data against instead of the OCF 1.1 schema built in" };
var dtd = new Option<string>("--dtd-dir") { Description = "directory holding ra-api-1.dtd", DefaultValueFactory = _ => "/usr/share/resource-agents" };
var repeat = new Option<int>("--repeat") { Description = "how many extra starts and stops the idempotency checks run", DefaultValueFactory = _ => 2 };
var kills = new Option<int>("--kill-points") { Description = "SIGKILL points within start and stop (0: none)", DefaultValueFactory = _ => 3 };
var watch = new Option<string[]>("--watch") { Description = "another path whose state start+stop must preserve (repeatable)" };
var peer = new Option<string>("--peer") { Description = "the node name migrate_to/migrate_from name as the other side", DefaultValueFactory = _ => "harness-peer" };
var user = new Option<string>("--user") { Description = "the unprivileged user meta-data is run as", DefaultValueFactory = _ => "nobody" };
var timeout = new Option<int?>("--timeout") { Description = "override every advertised action timeout (seconds)" };
var manpage = new Option<bool>("--manpage") { Description = "print this tool's manual page (roff) and exit" };

var root = new RootCommand(HarnessManPage.Summary)
{
    agent, option, name, safe, all, full, json, jsonFile, junit, tap, rng, dtd, repeat, kills, watch, peer, user, timeout, manpage,
};
root.SetAction(parse =>
{
    if (parse.GetValue(manpage)) { Console.Out.Write(HarnessManPage.Roff(root)); return 0; }
    var dir = parse.GetValue(all);
    var single = parse.GetValue(agent);
    if ((dir is null) == (single is null)) { Console.Error.WriteLine("ocf-harness: name one agent, or a directory with --all"); return 2; }
    var parameters = new Dictionary<string, string>();
    foreach (var o in parse.GetValue(option) ?? [])
    {
        if (o.IndexOf('=') is var eq && eq <= 0) { Console.Error.WriteLine($"ocf-harness: -o {o}: expected name=value"); return 2; }
        parameters[o[..eq]] = o[(eq + 1)..];
    }
    List<string> agents;
    if (dir is not null)
    {
        if (!Directory.Exists(dir)) { Console.Error.WriteLine($"ocf-harness: {dir} is not a directory"); return 2; }
        agents = [.. Directory.GetFiles(Path.GetFullPath(dir)).Where(IsExecutable).Order(StringComparer.Ordinal)];
    }
    else
    {
        var path = Path.GetFullPath(single!);
        if (!File.Exists(path)) { Console.Error.WriteLine($"ocf-harness: {path} does not exist"); return 2; }
        agents = [path];
    }

    using var schema = BuiltInSchema.Open(parse.GetValue(rng));
    var reports = new List<AgentReport>();
    foreach (var path in agents)
    {
        var options = new HarnessOptions
        {
            Agent = path,
            Instance = dir is null ? parse.GetValue(name) ?? $"harness-{Path.GetFileName(path)}" : $"harness-{Path.GetFileName(path)}",
            Parameters = parameters,
            RelaxNg = schema.Path,
            DtdDirectory = parse.GetValue(dtd)!,
            Repeat = Math.Max(1, parse.GetValue(repeat)),
            KillPoints = Math.Max(0, parse.GetValue(kills)),
            Watch = [.. (parse.GetValue(watch) ?? []).Select(Path.GetFullPath)],
            Peer = parse.GetValue(peer)!,
            UnprivilegedUser = parse.GetValue(user)!,
            TimeoutMs = parse.GetValue(timeout) * 1000,
            Safe = parse.GetValue(safe) || (dir is not null && !parse.GetValue(full)),
        };
        var clock = Stopwatch.StartNew();
        var contract = new Contract(options);
        var checks = contract.Run();
        reports.Add(new AgentReport(options, contract.MetaData, checks, contract.Runs, clock.Elapsed.TotalSeconds));
    }

    if (parse.GetValue(jsonFile) is { } file)
    {
        using var f = File.Create(file);
        Report.Json(f, reports);
    }
    if (parse.GetValue(junit) is { } junitFile)
    {
        using var f = File.Create(junitFile);
        CiReport.JUnit(f, reports);
    }
    if (parse.GetValue(json))
    {
        using var stdout = Console.OpenStandardOutput();
        Report.Json(stdout, reports);
    }
    else if (parse.GetValue(tap)) CiReport.Tap(Console.Out, reports);
    else if (reports.Count == 1) Report.Human(Console.Out, reports[0]);
    else Report.Summary(Console.Out, reports);
    return reports.Sum(r => Report.Count(r.Checks, Verdict.Fail)) == 0 ? 0 : 1;
});
return root.Parse(args).Invoke();

static bool IsExecutable(string path) =>
    (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
