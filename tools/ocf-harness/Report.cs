using System.Text.Json;

namespace OcfAgents.Harness;

/// <summary>
/// Per-action timings over every run that finished by itself (a killed run says nothing about
/// speed), and how many runs of the action were killed (at a kill point or at the timeout).
/// </summary>
public sealed record Timing(string Action, int Runs, int Killed, double Min, double Median, double Max)
{
    public static IReadOnlyList<Timing> Of(IEnumerable<Invocation> runs) =>
        runs.GroupBy(r => r.Action).Select(g =>
        {
            var ms = g.Where(r => r.Signal is null).Select(r => r.Milliseconds).Order().ToList();
            var killed = g.Count(r => r.Signal is not null);
            return ms.Count == 0
                ? new Timing(g.Key, 0, killed, double.NaN, double.NaN, double.NaN)
                : new Timing(g.Key, ms.Count, killed, ms[0], ms[ms.Count / 2], ms[^1]);
        }).OrderBy(t => t.Action, StringComparer.Ordinal).ToList();
}

public static class Report
{
    public static int Count(IReadOnlyList<Check> checks, Verdict v) => checks.Count(c => c.Verdict == v);

    public static void Human(TextWriter w, AgentReport a)
    {
        var (o, md, checks, runs) = (a.Options, a.MetaData, a.Checks, a.Runs);
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
            w.WriteLine($"  {"action",-24} {"runs",5} {"killed",7} {"min ms",9} {"median ms",10} {"max ms",9}");
            foreach (var t in timings)
                w.WriteLine(t.Runs == 0
                    ? $"  {t.Action,-24} {t.Runs,5} {t.Killed,7} {"-",9} {"-",10} {"-",9}"
                    : $"  {t.Action,-24} {t.Runs,5} {t.Killed,7} {t.Min,9:F1} {t.Median,10:F1} {t.Max,9:F1}");
        }
        w.WriteLine();
        w.WriteLine($"{checks.Count} checks: {Count(checks, Verdict.Pass)} passed, {Count(checks, Verdict.Fail)} failed, {Count(checks, Verdict.Warn)} warnings, {Count(checks, Verdict.Skip)} skipped");
    }

    private static string Tag(Verdict v) => v switch { Verdict.Pass => "PASS", Verdict.Fail => "FAIL", Verdict.Warn => "WARN", _ => "SKIP" };

    /// <summary>--all: each agent's failures and warnings, then one line per agent.</summary>
    public static void Summary(TextWriter w, IReadOnlyList<AgentReport> agents)
    {
        foreach (var a in agents.Where(a => a.Checks.Any(c => c.Verdict is Verdict.Fail or Verdict.Warn)))
        {
            w.WriteLine($"{a.Options.Agent}:");
            foreach (var c in a.Checks.Where(c => c.Verdict is Verdict.Fail or Verdict.Warn))
                w.WriteLine($"  {Tag(c.Verdict)}  {c.Name}{(c.Detail.Length > 0 ? $": {c.Detail}" : "")}");
        }
        w.WriteLine();
        var width = Math.Max(5, agents.Max(a => Path.GetFileName(a.Options.Agent).Length));
        w.WriteLine($"{"agent".PadRight(width)} {"pass",5} {"fail",5} {"warn",5} {"skip",5} {"runs",5} {"killed",7} {"s",7}");
        foreach (var a in agents)
            w.WriteLine($"{Path.GetFileName(a.Options.Agent).PadRight(width)} {Count(a.Checks, Verdict.Pass),5} {Count(a.Checks, Verdict.Fail),5} {Count(a.Checks, Verdict.Warn),5} {Count(a.Checks, Verdict.Skip),5} {a.Runs.Count,5} {a.Runs.Count(r => r.Signal is not null),7} {a.Seconds,7:F2}");
        w.WriteLine();
        w.WriteLine($"{agents.Count} agents, {agents.Count(a => Count(a.Checks, Verdict.Fail) == 0)} without a failed check; {agents.Sum(a => a.Checks.Count)} checks: " +
                    $"{agents.Sum(a => Count(a.Checks, Verdict.Pass))} passed, {agents.Sum(a => Count(a.Checks, Verdict.Fail))} failed, " +
                    $"{agents.Sum(a => Count(a.Checks, Verdict.Warn))} warnings, {agents.Sum(a => Count(a.Checks, Verdict.Skip))} skipped");
    }

    /// <summary>One agent: its report object; several (--all): {"agents": [...]}.</summary>
    public static void Json(Stream s, IReadOnlyList<AgentReport> agents)
    {
        using var w = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = true });
        if (agents.Count == 1) Json(w, agents[0]);
        else
        {
            w.WriteStartObject();
            w.WriteStartArray("agents");
            foreach (var a in agents) Json(w, a);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.Flush();
        s.WriteByte((byte)'\n');
    }

    private static void Json(Utf8JsonWriter w, AgentReport a)
    {
        var (o, md, checks, runs) = (a.Options, a.MetaData, a.Checks, a.Runs);
        w.WriteStartObject();
        w.WriteString("agent", o.Agent);
        w.WriteString("instance", o.Instance);
        w.WriteBoolean("safe", o.Safe);
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
            w.WriteNumber("killed", t.Killed);
            if (t.Runs > 0)
            {
                w.WriteNumber("min_ms", Math.Round(t.Min, 2));
                w.WriteNumber("median_ms", Math.Round(t.Median, 2));
                w.WriteNumber("max_ms", Math.Round(t.Max, 2));
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
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

/// <summary>One agent's result in a report: what ran, what it found, what it ran.</summary>
public sealed record AgentReport(HarnessOptions Options, AgentMetaData? MetaData, IReadOnlyList<Check> Checks, IReadOnlyList<Invocation> Runs, double Seconds);

/// <summary>
/// The machine-readable forms CI systems read: JUnit XML (one testsuite per agent, one testcase
/// per check; FAIL a failure, SKIP skipped, WARN a pass whose system-out says why) and TAP 13
/// (one test line per check, WARN as a diagnostic).
/// </summary>
public static class CiReport
{
    public static void JUnit(Stream s, IReadOnlyList<AgentReport> agents)
    {
        using var w = System.Xml.XmlWriter.Create(s, new System.Xml.XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) });
        w.WriteStartElement("testsuites");
        w.WriteAttributeString("name", "ocf-harness");
        w.WriteAttributeString("tests", agents.Sum(a => a.Checks.Count).ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteAttributeString("failures", agents.Sum(a => Report.Count(a.Checks, Verdict.Fail)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteAttributeString("skipped", agents.Sum(a => Report.Count(a.Checks, Verdict.Skip)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteAttributeString("time", Seconds(agents.Sum(a => a.Seconds)));
        foreach (var a in agents)
        {
            var name = Path.GetFileName(a.Options.Agent);
            w.WriteStartElement("testsuite");
            w.WriteAttributeString("name", name);
            w.WriteAttributeString("tests", a.Checks.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteAttributeString("failures", Report.Count(a.Checks, Verdict.Fail).ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteAttributeString("errors", "0");
            w.WriteAttributeString("skipped", Report.Count(a.Checks, Verdict.Skip).ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteAttributeString("time", Seconds(a.Seconds));
            foreach (var c in a.Checks)
            {
                w.WriteStartElement("testcase");
                w.WriteAttributeString("classname", a.Options.Agent);
                w.WriteAttributeString("name", c.Name);
                w.WriteAttributeString("time", Seconds(c.Runs.Sum(r => r.Milliseconds) / 1000));
                switch (c.Verdict)
                {
                    case Verdict.Fail:
                        w.WriteStartElement("failure");
                        w.WriteAttributeString("message", Xml(c.Detail));
                        w.WriteString(Xml(string.Join("\n", c.Runs.Select(r => $"{r.Label}: {r.Outcome}{(r.ExitReasons.Count > 0 ? " — " + r.ExitReasons[0] : "")}"))));
                        w.WriteEndElement();
                        break;
                    case Verdict.Skip:
                        w.WriteStartElement("skipped");
                        w.WriteAttributeString("message", Xml(c.Detail));
                        w.WriteEndElement();
                        break;
                    case Verdict.Warn:
                        w.WriteElementString("system-out", Xml("WARN: " + c.Detail));
                        break;
                }
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
        w.Flush();
        s.WriteByte((byte)'\n');
    }

    public static void Tap(TextWriter w, IReadOnlyList<AgentReport> agents)
    {
        w.WriteLine("TAP version 13");
        w.WriteLine($"1..{agents.Sum(a => a.Checks.Count)}");
        var n = 0;
        foreach (var a in agents)
        {
            w.WriteLine($"# {a.Options.Agent}{(a.MetaData is null ? "" : $" (resource-agent \"{a.MetaData.Name}\" {a.MetaData.Version})")}");
            foreach (var c in a.Checks)
            {
                n++;
                var name = $"{Path.GetFileName(a.Options.Agent)}: {c.Name}".Replace('#', '_');
                switch (c.Verdict)
                {
                    case Verdict.Fail:
                        w.WriteLine($"not ok {n} - {name}");
                        w.WriteLine("  ---");
                        w.WriteLine($"  message: {YamlString(c.Detail)}");
                        w.WriteLine("  ...");
                        break;
                    case Verdict.Skip:
                        w.WriteLine($"ok {n} - {name} # SKIP {OneLine(c.Detail)}");
                        break;
                    default:
                        w.WriteLine($"ok {n} - {name}");
                        if (c.Verdict == Verdict.Warn) w.WriteLine($"# WARN: {OneLine(c.Detail)}");
                        break;
                }
            }
        }
    }

    private static string Seconds(double s) => s.ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
    private static string OneLine(string s) => s.ReplaceLineEndings(" ");
    private static string YamlString(string s) => "\"" + OneLine(s).Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>An agent's output may hold bytes XML 1.0 cannot carry; they are shown escaped, not dropped.</summary>
    private static string Xml(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length);
        foreach (var ch in s)
            sb.Append(System.Xml.XmlConvert.IsXmlChar(ch) || char.IsSurrogate(ch) ? ch.ToString() : $"\\x{(int)ch:x2}");
        return sb.ToString();
    }
}
