using System.Xml;
using System.Xml.Linq;

namespace OcfAgents.Harness;

public sealed record ParamInfo(string Name, bool Required, string? Default);

/// <summary>One &lt;action&gt; element: Pacemaker runs it with these values as CRM_meta_*.</summary>
public sealed record ActionInfo(string Name, int TimeoutMs, int IntervalMs, int? Depth);

/// <summary>What the harness needs from an agent's meta-data: its parameters and the actions it advertises.</summary>
public sealed class AgentMetaData
{
    public required string Name { get; init; }
    public required string Version { get; init; }
    public required IReadOnlyList<ParamInfo> Parameters { get; init; }
    public required IReadOnlyList<ActionInfo> Actions { get; init; }

    public bool Advertises(string action) => Actions.Any(a => a.Name == action);

    public ActionInfo? Action(string name) => Actions.FirstOrDefault(a => a.Name == name);

    /// <summary>The OCF_CHECK_LEVEL values the monitor actions declare (0 always included).</summary>
    public IEnumerable<int> MonitorDepths =>
        Actions.Where(a => a.Name == "monitor").Select(a => a.Depth ?? 0).Append(0).Distinct().Order();

    public static AgentMetaData Parse(string xml)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        var root = XDocument.Load(reader).Root ?? throw new XmlException("no root element");
        if (root.Name.LocalName != "resource-agent") throw new XmlException($"root element is <{root.Name.LocalName}>, not <resource-agent>");
        return new AgentMetaData
        {
            Name = (string?)root.Attribute("name") ?? "",
            Version = (string?)root.Attribute("version") ?? (string?)root.Element("version") ?? "",
            Parameters = root.Element("parameters")?.Elements("parameter").Select(p => new ParamInfo(
                (string?)p.Attribute("name") ?? "",
                (string?)p.Attribute("required") is "1" or "true",
                (string?)p.Element("content")?.Attribute("default"))).ToList() ?? [],
            Actions = root.Element("actions")?.Elements("action").Select(a => new ActionInfo(
                (string?)a.Attribute("name") ?? "",
                Milliseconds((string?)a.Attribute("timeout")) ?? 20_000,
                Milliseconds((string?)a.Attribute("interval")) ?? 0,
                int.TryParse((string?)a.Attribute("depth"), out var d) ? d : null)).ToList() ?? [],
        };
    }

    /// <summary>
    /// Pacemaker's interval/timeout syntax (crm_get_msec): a number with an optional unit;
    /// no unit means seconds.
    /// | unit        | factor |
    /// |-------------|--------|
    /// | ms, msec    | 1      |
    /// | (none), s, sec | 1000 |
    /// | m, min      | 60 000 |
    /// | h, hr       | 3 600 000 |
    /// </summary>
    public static int? Milliseconds(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var t = text.Trim();
        var digits = 0;
        while (digits < t.Length && char.IsAsciiDigit(t[digits])) digits++;
        if (digits == 0 || !long.TryParse(t[..digits], out var n)) return null;
        long factor = t[digits..].Trim() switch
        {
            "ms" or "msec" => 1,
            "" or "s" or "sec" => 1000,
            "m" or "min" => 60_000,
            "h" or "hr" => 3_600_000,
            _ => -1,
        };
        return factor < 0 ? null : (int)Math.Min(int.MaxValue, n * factor);
    }
}
