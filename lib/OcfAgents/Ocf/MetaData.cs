using System.Globalization;
using System.Text;
using OcfAgents.Text;

namespace OcfAgents.Ocf;

/// <summary>
/// Meta-data from the declarations. The document must pass both xmllint --valid against
/// resource-agents' ra-api-1.dtd (what ocf-tester runs) and the OCF 1.1 RelaxNG schema. The
/// 1.0 DTD lacks the 1.1 attribute "reloadable" and the action "reload-agent"; an internal
/// subset declares them, and because the first declaration of an attribute binds, its action
/// name list replaces the external one.
/// </summary>
public static class MetaData
{
    private const string Doctype =
        "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\" [\n" +
        "<!ATTLIST parameter reloadable (1|0) \"0\">\n" +
        "<!ATTLIST action name (start|stop|recover|monitor|restart|migrate_to|migrate_from|promote|demote|notify|status|reload|reload-agent|meta-data|usage|methods|validate-all) #REQUIRED>\n" +
        "]>\n";

    public static string Generate(IAgentDescription agent)
    {
        var sb = new StringBuilder(4096);
        sb.Append("<?xml version=\"1.0\"?>\n").Append(Doctype);
        sb.Append("<resource-agent name=\"").Append(Markup.XmlAttribute(agent.Name)).Append("\" version=\"").Append(Markup.XmlAttribute(agent.Version)).Append("\">\n");
        sb.Append("<version>1.1</version>\n");
        sb.Append("<longdesc lang=\"en\">\n").Append(Markup.XmlText(agent.LongDesc)).Append("\n</longdesc>\n");
        sb.Append("<shortdesc lang=\"en\">").Append(Markup.XmlText(agent.ShortDesc)).Append("</shortdesc>\n");
        sb.Append("<parameters>\n");
        foreach (var p in Tracing.With(agent.Parameters))
        {
            sb.Append("<parameter name=\"").Append(Markup.XmlAttribute(p.Name)).Append('"')
              .Append(" unique=\"").Append(p.Unique ? '1' : '0').Append('"')
              .Append(" required=\"").Append(p.Required ? '1' : '0').Append('"');
            if (p.Reloadable) sb.Append(" reloadable=\"1\"");
            sb.Append(">\n");
            sb.Append("<longdesc lang=\"en\">\n").Append(Markup.XmlText(p.LongDesc)).Append("\n</longdesc>\n");
            sb.Append("<shortdesc lang=\"en\">").Append(Markup.XmlText(p.ShortDesc)).Append("</shortdesc>\n");
            sb.Append("<content type=\"").Append(TypeName(p.Type)).Append('"');
            if (p.Default is not null && !p.Secret) sb.Append(" default=\"").Append(Markup.XmlAttribute(p.Default)).Append('"');
            sb.Append(" />\n</parameter>\n");
        }
        sb.Append("</parameters>\n<actions>\n");
        foreach (var a in Actions(agent))
        {
            sb.Append("<action name=\"").Append(a.Name).Append("\" timeout=\"").Append(Seconds(a.Timeout)).Append('"');
            if (a.Interval is { } i) sb.Append(" interval=\"").Append(Seconds(i)).Append('"');
            if (a.Depth is { } d) sb.Append(" depth=\"").Append(d.ToString(CultureInfo.InvariantCulture)).Append('"');
            sb.Append(" />\n");
        }
        sb.Append("</actions>\n</resource-agent>\n");
        return sb.ToString();
    }

    public sealed record ActionSpec(string Name, TimeSpan Timeout, TimeSpan? Interval = null, int? Depth = null);

    /// <summary>The actions an agent advertises, derived from what it declares.</summary>
    public static IEnumerable<ActionSpec> Actions(IAgentDescription agent)
    {
        var t = agent.Timeouts;
        yield return new("start", t.Start);
        yield return new("stop", t.Stop);
        foreach (var level in agent.CheckLevels)
            yield return new("monitor", t.Monitor, level == 0 ? t.MonitorInterval : t.DeepMonitorInterval, level);
        if (Tracing.With(agent.Parameters).Any(p => p.Reloadable)) yield return new("reload-agent", t.Validate);
        if (agent.SupportsMigration)
        {
            yield return new("migrate_to", t.Migrate);
            yield return new("migrate_from", t.Migrate);
        }
        yield return new("meta-data", TimeSpan.FromSeconds(5));
        yield return new("validate-all", t.Validate);
    }

    public static string TypeName(ContentType t) => t switch
    {
        ContentType.Integer => "integer",
        ContentType.Boolean => "boolean",
        _ => "string",
    };

    internal static string Seconds(TimeSpan t) => ((long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";
}
