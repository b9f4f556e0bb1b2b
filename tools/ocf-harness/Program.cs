using System.CommandLine;
using OcfAgents.Harness;

// ocf-harness: runs any OCF resource agent through the contract Pacemaker relies on.
// Exit status: 0 when no check failed (warnings allowed), 1 when one did, 2 on bad usage.
var agent = new Argument<string>("agent") { Description = "path to the resource agent (e.g. /usr/lib/ocf/resource.d/heartbeat/Dummy)" };
var option = new Option<string[]>("--option", "-o") { Description = "a resource parameter, name=value (repeatable)", AllowMultipleArgumentsPerToken = false };
var name = new Option<string?>("--name", "-n") { Description = "resource instance name (OCF_RESOURCE_INSTANCE; default harness-<agent>)" };
var json = new Option<bool>("--json") { Description = "print the report as JSON instead of text" };
var jsonFile = new Option<string?>("--json-file") { Description = "also write the JSON report to this file" };
var rng = new Option<string?>("--rng") { Description = "the OCF 1.1 RelaxNG schema (ocf-ra-api-1.1.rng from the OCF specification); without it that check is skipped" };
var dtd = new Option<string>("--dtd-dir") { Description = "directory holding ra-api-1.dtd", DefaultValueFactory = _ => "/usr/share/resource-agents" };
var repeat = new Option<int>("--repeat") { Description = "how many extra starts and stops the idempotency checks run", DefaultValueFactory = _ => 2 };
var kills = new Option<int>("--kill-points") { Description = "SIGKILL points within start and stop (0: none)", DefaultValueFactory = _ => 3 };
var watch = new Option<string[]>("--watch") { Description = "another path whose state start+stop must preserve (repeatable)" };
var peer = new Option<string>("--peer") { Description = "the node name migrate_to/migrate_from name as the other side", DefaultValueFactory = _ => "harness-peer" };
var user = new Option<string>("--user") { Description = "the unprivileged user meta-data is run as", DefaultValueFactory = _ => "nobody" };
var timeout = new Option<int?>("--timeout") { Description = "override every advertised action timeout (seconds)" };

var root = new RootCommand("Runs an OCF resource agent through the contract Pacemaker relies on: ocf-tester's checks plus exit reasons, probes, timeouts, SIGKILL part-way, meta-data as an unprivileged user, both schemas, idempotency and migration.")
{
    agent, option, name, json, jsonFile, rng, dtd, repeat, kills, watch, peer, user, timeout,
};
root.SetAction(parse =>
{
    var path = Path.GetFullPath(parse.GetValue(agent)!);
    if (!File.Exists(path)) { Console.Error.WriteLine($"ocf-harness: {path} does not exist"); return 2; }
    var parameters = new Dictionary<string, string>();
    foreach (var o in parse.GetValue(option) ?? [])
    {
        if (o.IndexOf('=') is var eq && eq <= 0) { Console.Error.WriteLine($"ocf-harness: -o {o}: expected name=value"); return 2; }
        parameters[o[..eq]] = o[(eq + 1)..];
    }
    var options = new HarnessOptions
    {
        Agent = path,
        Instance = parse.GetValue(name) ?? $"harness-{Path.GetFileName(path)}",
        Parameters = parameters,
        RelaxNg = parse.GetValue(rng) is { } schema ? Path.GetFullPath(schema) : null,
        DtdDirectory = parse.GetValue(dtd)!,
        Repeat = Math.Max(1, parse.GetValue(repeat)),
        KillPoints = Math.Max(0, parse.GetValue(kills)),
        Watch = [.. (parse.GetValue(watch) ?? []).Select(Path.GetFullPath)],
        Peer = parse.GetValue(peer)!,
        UnprivilegedUser = parse.GetValue(user)!,
        TimeoutMs = parse.GetValue(timeout) * 1000,
    };
    var contract = new Contract(options);
    var checks = contract.Run();
    if (parse.GetValue(jsonFile) is { } file)
    {
        using var f = File.Create(file);
        Report.Json(f, options, contract.MetaData, checks, contract.Runs);
    }
    if (parse.GetValue(json))
    {
        using var stdout = Console.OpenStandardOutput();
        Report.Json(stdout, options, contract.MetaData, checks, contract.Runs);
    }
    else Report.Human(Console.Out, options, contract.MetaData, checks, contract.Runs);
    return Report.Count(checks, Verdict.Fail) == 0 ? 0 : 1;
});
return root.Parse(args).Invoke();
