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
        foreach (var p in agent.Parameters)
        {
            sb.Append("  ").Append(p.Name).Append(" (").Append(MetaData.TypeName(p.Type));
            if (p.Required) sb.Append(", required");
            if (p.Default is not null && !p.Secret) sb.Append(", default \"").Append(p.Default).Append('"');
            sb.Append(")\n      ").Append(p.ShortDesc).Append('\n');
        }
        sb.Append("\nExit codes: 0 success, 1 generic error, 2 invalid arguments, 3 unimplemented action,\n")
          .Append("4 insufficient privileges, 5 not installed on this node, 6 not configured, 7 not running.\n");
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
        foreach (var p in agent.Parameters)
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
        sb.Append(".SH EXIT STATUS\n0 success; 1 generic error; 2 invalid arguments; 3 unimplemented action; ")
          .Append("4 insufficient privileges; 5 not installed on this node; 6 not configured; 7 not running.\n")
          .Append("Every failure prints one ocf-exit-reason line naming the path or value and the fix.\n");
        sb.Append(".SH EXAMPLE\n.nf\npcs resource create my_").Append(agent.Name).Append(" ocf:").Append(provider).Append(':').Append(agent.Name);
        foreach (var p in agent.Parameters.Where(p => p.Required)) sb.Append(' ').Append(p.Name).Append("=...");
        sb.Append("\n.fi\n");
        return sb.ToString();
    }

    private static string Esc(string s) => Markup.Roff(s);
}
