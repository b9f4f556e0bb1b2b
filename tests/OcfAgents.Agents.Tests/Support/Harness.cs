using System.Text.Json;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>ocf-harness (dist/bin) run on an agent, with its human report and its JSON report.</summary>
public sealed record HarnessRun(int Code, string Report, JsonDocument Json)
{
    public JsonElement Check(string name) =>
        Json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public string Verdict(string name) => Check(name).GetProperty("verdict").GetString()!;

    public IEnumerable<string> Failed =>
        Json.RootElement.GetProperty("checks").EnumerateArray()
            .Where(c => c.GetProperty("verdict").GetString() == "fail")
            .Select(c => $"{c.GetProperty("name").GetString()}: {c.GetProperty("detail").GetString()}");

    public int Summary(string verdict) => Json.RootElement.GetProperty("summary").GetProperty(verdict).GetInt32();

    public override string ToString() => Report;
}

public static class Harness
{
    public static string Binary => Built.PublicCopy("ocf-harness");

    /// <summary>Runs the harness once: its text report on stdout, its JSON report written beside.</summary>
    public static HarnessRun Run(string agent, IReadOnlyDictionary<string, string> parameters, IEnumerable<string>? extra = null,
        Func<IReadOnlyList<string>, AgentResult>? runner = null, int killPoints = 2)
    {
        var dir = Directory.CreateTempSubdirectory("harness-report").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b1_111_111_111); // the harness may run unprivileged
        var json = Path.Combine(dir, "report.json");
        var argv = new List<string> { Binary, "--rng", Built.Schema, "--kill-points", killPoints.ToString(), "--json-file", json };
        foreach (var (k, v) in parameters) argv.AddRange(["-o", $"{k}={v}"]);
        argv.AddRange(extra ?? []);
        argv.Add(agent);
        var r = (runner ?? (a => Support.Run.Command(a, limit: TimeSpan.FromMinutes(5))))(argv);
        Assert.True(File.Exists(json), $"no JSON report\n{r.Stdout}{r.Stderr}");
        return new HarnessRun(r.Code, r.Stdout + r.Stderr, JsonDocument.Parse(File.ReadAllText(json)));
    }
}
