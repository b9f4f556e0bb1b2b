using System.Text;
using OcfAgents.Text;

namespace OcfAgents.Fencing;

/// <summary>
/// The documents each API asks for, from the same declarations: fence-agent meta-data (the
/// format of fence-agents' fencing.py, which Pacemaker's stonith-ng parses for actions and
/// parameters), the cluster-glue getinfo-xml &lt;parameters&gt; block, and a section 8 man page.
/// </summary>
public static class FenceDocs
{
    public static string Metadata(FenceDevice device)
    {
        var sb = new StringBuilder(8192);
        sb.Append("<?xml version=\"1.0\" ?>\n");
        sb.Append("<resource-agent name=\"").Append(Markup.XmlAttribute(device.ProgramName)).Append("\" shortdesc=\"").Append(Markup.XmlAttribute(device.ShortDesc)).Append("\" >\n");
        sb.Append("<longdesc>").Append(Markup.XmlText(device.LongDesc)).Append("</longdesc>\n");
        sb.Append("<vendor-url>").Append(Markup.XmlText(device.VendorUrl)).Append("</vendor-url>\n");
        sb.Append("<parameters>\n");
        foreach (var p in FenceHost.AllOptions(device).Select(o => o.Declaration))
        {
            var given = p with { Default = device.DefaultOf(p) };
            Parameter(sb, given, p.Name, p.Aliases.Length > 0 ? $" obsoletes=\"{p.Aliases[0]}\"" : "");
            // An alias is never required: pcs and crmsh would ask for both names (fence-agents marks them 0 too).
            foreach (var alias in p.Aliases) Parameter(sb, given with { Required = false }, alias, " deprecated=\"1\"");
        }
        sb.Append("</parameters>\n<actions>\n");
        foreach (var a in FenceOption.Actions)
            sb.Append("\t<action name=\"").Append(a).Append(a == "on" ? "\" automatic=\"0\"/>\n" : "\" />\n");
        sb.Append("</actions>\n</resource-agent>\n");
        return sb.ToString();
    }

    private static void Parameter(StringBuilder sb, FenceParameter p, string name, string extra)
    {
        sb.Append("\t<parameter name=\"").Append(name).Append("\" unique=\"0\" required=\"").Append(p.Required ? '1' : '0').Append('"').Append(extra).Append(">\n");
        sb.Append("\t\t<getopt mixed=\"").Append(Markup.XmlAttribute(p.Getopt)).Append("\" />\n");
        var type = p.Kind switch { FenceKind.Integer => "integer", FenceKind.Boolean => "boolean", FenceKind.Select => "select", FenceKind.Seconds => "second", _ => "string" };
        sb.Append("\t\t<content type=\"").Append(type).Append('"');
        if (p.Default is not null && !p.Secret) sb.Append(" default=\"").Append(Markup.XmlAttribute(p.Default)).Append('"');
        if (p.Kind == FenceKind.Select)
        {
            sb.Append(" >\n");
            foreach (var c in p.Choices) sb.Append("\t\t\t<option value=\"").Append(Markup.XmlAttribute(c)).Append("\" />\n");
            sb.Append("\t\t</content>\n");
        }
        else sb.Append(" />\n");
        sb.Append("\t\t<shortdesc lang=\"en\">").Append(Markup.XmlText(p.ShortDesc)).Append("</shortdesc>\n\t</parameter>\n");
    }

    public static string ExternalXml(FenceDevice device)
    {
        var sb = new StringBuilder(4096);
        sb.Append("<parameters>\n");
        foreach (var p in device.ExternalParameters)
        {
            sb.Append("<parameter name=\"").Append(p.Name).Append("\" unique=\"").Append(p.Unique ? '1' : '0')
              .Append("\" required=\"").Append(p.Required ? '1' : '0').Append("\">\n<content type=\"string\"");
            if (p.Default is not null && !p.Secret) sb.Append(" default=\"").Append(Markup.XmlAttribute(p.Default)).Append('"');
            sb.Append(" />\n<shortdesc lang=\"en\">\n").Append(Markup.XmlText(p.ShortDesc)).Append("\n</shortdesc>\n")
              .Append("<longdesc lang=\"en\">\n").Append(Markup.XmlText(p.LongDesc)).Append("\n</longdesc>\n</parameter>\n");
        }
        sb.Append("</parameters>\n");
        return sb.ToString();
    }

    /// <summary>-h/--help: fence-agents' usage layout, from the declarations.</summary>
    public static string Usage(FenceDevice device)
    {
        var sb = new StringBuilder(4096);
        sb.Append("Usage:\n\t").Append(device.ProgramName).Append(" [options]\nOptions:\n");
        foreach (var p in FenceHost.AllOptions(device).Select(o => o.Declaration))
        {
            sb.Append("   ").Append(p.Getopt.PadRight(31)).Append(' ').Append(p.ShortDesc);
            if (device.DefaultOf(p) is { } d && !p.Secret && p.Kind != FenceKind.Boolean) sb.Append(" (Default: ").Append(d).Append(')');
            sb.Append('\n');
        }
        sb.Append("\nWith no options, key=value lines are read from stdin (as Pacemaker's fencer writes them).\n");
        sb.Append("Exit codes:\n");
        foreach (var (code, text) in ExitCodes) sb.Append("  ").Append(code).Append("  ").Append(text).Append('\n');
        return sb.ToString();
    }

    /// <summary>The fence-agent API's exit codes (<see cref="FenceHost"/>) and when each is returned.</summary>
    private static readonly (int Code, string Text)[] ExitCodes =
    [
        (FenceHost.Success, "success; status: the power is on"),
        (FenceHost.Failure, "failure: the device is unreachable, refused the login or the command, or the power state was not confirmed in time; one ERROR line on stderr says which"),
        (FenceHost.StatusOff, "status: the power is off"),
    ];

    public static string ManPage(FenceDevice device)
    {
        static string Esc(string s) => Markup.Roff(s);
        var name = device.ProgramName;
        var sb = new StringBuilder();
        sb.Append(".TH ").Append(name.ToUpperInvariant()).Append(" 8 \"\" \"OcfAgents ").Append(BuildInfo.Version).Append("\" \"Fence agents\"\n");
        sb.Append(".SH NAME\n").Append(Esc(name)).Append(" \\- ").Append(Esc(device.ShortDesc)).Append('\n');
        sb.Append(".SH SYNOPSIS\n.B ").Append(Esc(name)).Append("\n[\\fIOPTIONS\\fR]\n.br\n.B ").Append(Esc(name))
          .Append("\n< key=value lines on stdin\n.br\n.B ").Append(Esc(device.ExternalName)).Append("\n\\fIop\\fR [\\fIhost\\fR] (cluster\\-glue external/ plugin)\n");
        sb.Append(".SH DESCRIPTION\n").Append(Esc(device.LongDesc)).Append('\n');
        sb.Append(".SH OPTIONS\n");
        foreach (var p in FenceHost.AllOptions(device).Select(o => o.Declaration))
        {
            sb.Append(".TP\n.B ").Append(Esc(p.Getopt)).Append('\n').Append(Esc(p.ShortDesc));
            sb.Append(" (stdin: ").Append(Esc(p.Name));
            foreach (var a in p.Aliases) sb.Append(", ").Append(Esc(a));
            if (device.DefaultOf(p) is { } d && !p.Secret) sb.Append("; default ").Append(Esc(d));
            if (p.Required) sb.Append("; required");
            sb.Append(")\n");
        }
        sb.Append(".SH ACTIONS\n").Append(Esc(string.Join(", ", FenceOption.Actions))).Append('\n');
        sb.Append(".PP\nlist answers the configured plug: one device fences one node, so Pacemaker needs ")
          .Append("\\fBpcmk_host_list\\fR (or \\fBpcmk_host_map\\fR when the node's name is not the plug) to know which node that is.\n");
        sb.Append(".SH EXTERNAL/ PARAMETERS\nIn getconfignames order (the order of stonith \\-p):\n");
        foreach (var p in device.ExternalParameters)
            sb.Append(".TP\n.B ").Append(Esc(p.Name)).Append('\n').Append(Esc(p.LongDesc)).Append('\n');
        sb.Append(".SH EXIT STATUS\n");
        foreach (var (code, text) in ExitCodes) sb.Append(".TP\n.B ").Append(code).Append('\n').Append(Esc(text)).Append('\n');
        sb.Append(".PP\nThe external/ plugin exits 0 on success and 1 on any failure.\n");
        ManSections.Examples(sb, [device.AgentName, device.ExternalName]);
        ManSections.SeeAlso(sb, [.. device.SeeAlso, "stonith_admin(8)", "pcs(8)", "crm(8)", "stonith(8)"]);
        return sb.ToString();
    }
}
