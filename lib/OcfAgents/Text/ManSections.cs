using System.Text;

namespace OcfAgents.Text;

/// <summary>The man page sections every agent's page has alike, OCF (section 7) and fence (section 8).</summary>
public static class ManSections
{
    /// <summary>EXAMPLES: the statements of the agent's cib-examples (pcs, then crm) that configure it.</summary>
    public static void Examples(StringBuilder sb, IReadOnlyCollection<string> agents)
    {
        var pcs = CibExamples.For("pcs.sh", agents);
        var crm = CibExamples.For("crm.txt", agents);
        if (pcs.Count + crm.Count == 0) return;
        sb.Append(".SH EXAMPLES\n");
        foreach (var (tool, lines) in new[] { ("With pcs:", pcs), ("With crmsh (crm configure, or a file for crm configure load update):", crm) })
        {
            if (lines.Count == 0) continue;
            sb.Append(".PP\n").Append(Markup.Roff(tool)).Append("\n.PP\n.nf\n.RS 4\n");
            foreach (var statement in lines) sb.Append(Markup.Roff(statement)).Append('\n');
            sb.Append(".RE\n.fi\n");
        }
    }

    public static void SeeAlso(StringBuilder sb, IEnumerable<string> pages)
    {
        sb.Append(".SH SEE ALSO\n");
        sb.Append(string.Join(",\n", pages.Distinct().Select(p => p.IndexOf('(') is var i and > 0 ? $".BR {Markup.Roff(p[..i])} {p[i..]}" : Markup.Roff(p)))).Append('\n');
    }

}
