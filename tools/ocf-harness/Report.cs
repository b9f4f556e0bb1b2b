using System.Text.Json;

namespace OcfAgents.Harness;

/// <summary>Per-action timings over every run that finished by itself (killed runs say nothing about speed).</summary>
public sealed record Timing(string Action, int Runs, double Min, double Median, double Max)
{
    public static IReadOnlyList<Timing> Of(IEnumerable<Invocation> runs) =>
        runs.Where(r => r.Signal is null).GroupBy(r => r.Action).Select(g =>
        {
            var ms = g.Select(r => r.Milliseconds).Order().ToList();
            return new Timing(g.Key, ms.Count, ms[0], ms[ms.Count / 2], ms[^1]);
        }).OrderBy(t => t.Action, StringComparer.Ordinal).ToList();
}

public static class Report
{
    public static int Count(IReadOnlyList<Check> checks, Verdict v) => checks.Count(c => c.Verdict == v);

    public static void Human(TextWriter w, HarnessOptions o, AgentMetaData? md, IReadOnlyList<Check> checks, IReadOnlyList<Invocation> runs)
    {
        w.WriteLine($"ocf-harness: {o.Agent}{(md is null ? "" : $" (resource-agent \"{md.Name}\" {md.Version})")}");
        foreach (var c in checks)
        {
            w.WriteLine($"  {Tag(c.Verdict)}  {c.Name}");
            if (c.Detail.Length > 0 && c.Verdict != Verdict.Pass) w.WriteLine($"        {c.Detail}");
        }
        var timings = Timing.Of(runs);
        if (timings.Count > 0)
        {
            w.WriteLine();
            w.WriteLine($"  {"action",-24} {"runs",5} {"min ms",9} {"median ms",10} {"max ms",9}");
            foreach (var t in timings) w.WriteLine($"  {t.Action,-24} {t.Runs,5} {t.Min,9:F1} {t.Median,10:F1} {t.Max,9:F1}");
        }
        w.WriteLine();
        w.WriteLine($"{checks.Count} checks: {Count(checks, Verdict.Pass)} passed, {Count(checks, Verdict.Fail)} failed, {Count(checks, Verdict.Warn)} warnings, {Count(checks, Verdict.Skip)} skipped");
    }

    private static string Tag(Verdict v) => v switch { Verdict.Pass => "PASS", Verdict.Fail => "FAIL", Verdict.Warn => "WARN", _ => "SKIP" };

    public static void Json(Stream s, HarnessOptions o, AgentMetaData? md, IReadOnlyList<Check> checks, IReadOnlyList<Invocation> runs)
    {
        using var w = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("agent", o.Agent);
        w.WriteString("instance", o.Instance);
        if (md is not null) { w.WriteString("name", md.Name); w.WriteString("version", md.Version); }
        w.WriteStartObject("summary");
        w.WriteNumber("checks", checks.Count);
        foreach (var v in Enum.GetValues<Verdict>()) w.WriteNumber(v.ToString().ToLowerInvariant(), Count(checks, v));
        w.WriteEndObject();
        w.WriteStartArray("checks");
        foreach (var c in checks)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteString("verdict", c.Verdict.ToString().ToLowerInvariant());
            w.WriteString("detail", c.Detail);
            w.WriteStartArray("runs");
            foreach (var r in c.Runs) Run(w, r);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("timings");
        foreach (var t in Timing.Of(runs))
        {
            w.WriteStartObject();
            w.WriteString("action", t.Action);
            w.WriteNumber("runs", t.Runs);
            w.WriteNumber("min_ms", Math.Round(t.Min, 2));
            w.WriteNumber("median_ms", Math.Round(t.Median, 2));
            w.WriteNumber("max_ms", Math.Round(t.Max, 2));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        s.WriteByte((byte)'\n');
    }

    private static void Run(Utf8JsonWriter w, Invocation r)
    {
        w.WriteStartObject();
        w.WriteString("action", r.Action);
        w.WriteString("label", r.Label);
        if (r.Signal is null) w.WriteNumber("exit", r.ExitCode); else w.WriteString("signal", r.Signal);
        w.WriteBoolean("timed_out", r.TimedOut);
        w.WriteNumber("ms", Math.Round(r.Milliseconds, 2));
        w.WriteStartArray("exit_reasons");
        foreach (var x in r.ExitReasons) w.WriteStringValue(x);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
