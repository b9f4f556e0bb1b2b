using System.Text;
using OcfAgents.Text;

namespace OcfAgents.Ocf;

/// <summary>Usage text and a roff man page (section 7, ocf_PROVIDER_NAME) from the same declarations as meta-data.</summary>
public static class ManPage
{
    public static string Usage(IAgentDescription agent)
    {
        var sb = new StringBuilder();
        sb.Append("usage: ").Append(agent.Name).Append(" {")
          .Append(string.Join('|', MetaData.Actions(agent).Select(a => a.Name).Distinct().Append("usage").Append("manpage")))
          .Append("}\n\n").Append(agent.ShortDesc).Append("\n\nParameters (as OCF_RESKEY_<name>):\n");
        foreach (var p in Tracing.With(agent.Parameters))
        {
            sb.Append("  ").Append(p.Name).Append(" (").Append(MetaData.TypeName(p.Type));
            if (p.Required) sb.Append(", required");
            if (p.Default is not null && !p.Secret) sb.Append(", default \"").Append(p.Default).Append('"');
            sb.Append(")\n      ").Append(p.ShortDesc).Append('\n');
        }
        sb.Append("\nExit codes:\n");
        foreach (var (code, text) in OcfExitText.Table(agent.ExitCodes)) sb.Append("  ").Append(code).Append("  ").Append(text).Append('\n');
        return sb.ToString();
    }

    public static string Roff(IAgentDescription agent, string provider)
    {
        var title = $"ocf_{provider}_{agent.Name}";
        var sb = new StringBuilder();
        sb.Append(".TH ").Append(title.ToUpperInvariant()).Append(" 7 \"\" \"OcfAgents ").Append(agent.Version).Append("\" \"OCF resource agents\"\n");
        sb.Append(".SH NAME\n").Append(Esc(title)).Append(" \\- ").Append(Esc(agent.ShortDesc)).Append('\n');
        sb.Append(".SH SYNOPSIS\n.B ").Append(Esc(agent.Name)).Append("\n.I action\n");
        sb.Append(".SH DESCRIPTION\n").Append(Esc(agent.LongDesc)).Append('\n');
        sb.Append(".SH PARAMETERS\n");
        foreach (var p in Tracing.With(agent.Parameters))
        {
            sb.Append(".TP\n.B ").Append(Esc(p.Name)).Append('\n').Append(Esc(p.LongDesc));
            sb.Append(" (").Append(MetaData.TypeName(p.Type)).Append(p.Required ? ", required" : ", optional");
            if (p.Default is not null && !p.Secret) sb.Append(", default \\(lq").Append(Esc(p.Default)).Append("\\(rq");
            sb.Append(")\n");
        }
        sb.Append(".SH ACTIONS\n");
        foreach (var a in MetaData.Actions(agent))
        {
            sb.Append(".TP\n.B ").Append(Esc(a.Name)).Append("\ntimeout ").Append(MetaData.Seconds(a.Timeout));
            if (a.Interval is { } i) sb.Append(", interval ").Append(MetaData.Seconds(i));
            if (a.Depth is { } d) sb.Append(", OCF_CHECK_LEVEL ").Append(d);
            sb.Append('\n');
        }
        sb.Append(".SH EXIT STATUS\n");
        foreach (var (code, text) in OcfExitText.Table(agent.ExitCodes)) sb.Append(".TP\n.B ").Append(code).Append('\n').Append(Esc(text)).Append('\n');
        sb.Append(".PP\nEvery failure also prints one ocf\\-exit\\-reason line naming the path or value and the fix.\n");
        ManSections.Examples(sb, [$"ocf:{provider}:{agent.Name}"]);
        ManSections.SeeAlso(sb, [.. agent.SeeAlso, "crm_resource(8)", "pcs(8)", "crm(8)", "ocf-harness(8)"]);
        return sb.ToString();
    }

    private static string Esc(string s) => Markup.Roff(s);
}
