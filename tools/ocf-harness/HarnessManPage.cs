using System.CommandLine;
using System.Reflection;
using System.Text;
using OcfAgents.Text;

namespace OcfAgents.Harness;

/// <summary>The OCF 1.1 RelaxNG schema built into the binary (tests/schemas), as a file xmllint can read, or the one given.</summary>
public sealed class BuiltInSchema : IDisposable
{
    private readonly string? _temp;
    public string? Path { get; }

    private BuiltInSchema(string? path, string? temp) { Path = path; _temp = temp; }

    public static BuiltInSchema Open(string? given)
    {
        if (given is not null) return new BuiltInSchema(System.IO.Path.GetFullPath(given), null);
        using var stream = Assembly.GetEntryAssembly()?.GetManifestResourceStream("ocf-ra-api-1.1.rng");
        if (stream is null) return new BuiltInSchema(null, null);
        var file = System.IO.Path.Combine(Directory.CreateTempSubdirectory("ocf-harness-rng-").FullName, "ocf-ra-api-1.1.rng");
        using (var f = File.Create(file)) stream.CopyTo(f);
        return new BuiltInSchema(file, file);
    }

    public void Dispose()
    {
        if (_temp is null) return;
        try { Directory.Delete(System.IO.Path.GetDirectoryName(_temp)!, recursive: true); } catch (IOException) { }
    }
}

/// <summary>ocf-harness(8), from its own options: what it checks, how to run it, what it exits with.</summary>
public static class HarnessManPage
{
    public const string Summary =
        "Runs an OCF resource agent through the contract Pacemaker relies on: ocf-tester's checks plus exit reasons, probes, " +
        "timeouts, SIGKILL part-way, meta-data as an unprivileged user, both schemas, idempotency and migration.";

    private static readonly (string Check, string How)[] Checks =
    [
        ("meta-data", "exits 0 and prints well-formed XML; the same XML as an unprivileged user with HOME unset, writing nothing; valid against ra-api-1.dtd and the OCF 1.1 RelaxNG schema (built in); run bare, without the resource's parameters, as Pacemaker runs it"),
        ("actions", "start, stop, monitor and meta-data advertised; migrate_to/migrate_from and promote/demote in pairs"),
        ("validation", "validate-all exits 0 with the given parameters, and 2 or 6 with a reason for each required one left out; then an unknown action exits 3 (agents may validate before they read the action)"),
        ("probe", "monitor with interval 0 answers 0 or 7 (5 is a warning: Pacemaker bans the resource from the node)"),
        ("lifecycle (not with --safe)", "monitor of the stopped resource 7; start, monitor at every advertised OCF_CHECK_LEVEL, start again; notify, promote/demote, reload, migrate when advertised; stop, stop again, monitor 7"),
        ("data (not with --safe)", "the paths the parameters name, before start and after stop: nothing lost or replaced"),
        ("SIGKILL (not with --safe)", "at 1/4, 1/2 and 3/4 of the measured start and stop: the next stop and start converge and lose nothing"),
        ("timeouts and reasons", "each action runs with CRM_meta_timeout from the meta-data and is killed there; every failure carries an ocf-exit-reason line of at most 128 characters"),
    ];

    public static string Roff(RootCommand root)
    {
        static string E(string s) => Markup.Roff(s);
        var sb = new StringBuilder();
        sb.Append(".TH OCF-HARNESS 8 \"\" \"OcfAgents ").Append(OcfAgents.BuildInfo.Version).Append("\" \"OCF resource agents\"\n");
        sb.Append(".SH NAME\nocf\\-harness \\- check an OCF resource agent against what Pacemaker relies on\n");
        sb.Append(".SH SYNOPSIS\n.B ocf\\-harness\n[\\fIOPTIONS\\fR] \\fIAGENT\\fR\n.br\n.B ocf\\-harness\n\\-\\-all \\fIDIRECTORY\\fR [\\fIOPTIONS\\fR]\n");
        sb.Append(".SH DESCRIPTION\n").Append(E(Summary)).Append('\n');
        sb.Append(".PP\nWithout \\-\\-safe it acts on the real system as ocf\\-tester does (it starts and stops the resource): point it at a test instance. With \\-\\-safe, or with \\-\\-all unless \\-\\-full, it only reads.\n");
        sb.Append(".SH CHECKS\n");
        foreach (var (check, how) in Checks) sb.Append(".TP\n.B ").Append(E(check)).Append('\n').Append(E(how)).Append('\n');
        sb.Append(".SH OPTIONS\n");
        foreach (var o in root.Options.Where(o => o.Description is not null))
        {
            sb.Append(".TP\n.B ").Append(E(string.Join(", ", o.Aliases.Order().Append(o.Name).Distinct())));
            if (o.ValueType != typeof(bool)) sb.Append(" \\fIVALUE\\fR");
            sb.Append('\n').Append(E(o.Description!)).Append('\n');
        }
        sb.Append(".SH OUTPUT\nOne line per check (PASS, FAIL with what was seen, WARN, SKIP) and a table of timings per action ")
          .Append("(runs, runs killed, min, median, max ms); with \\-\\-all a table per agent. \\-\\-json, \\-\\-junit and \\-\\-tap give the same for programs.\n");
        sb.Append(".SH EXIT STATUS\n.TP\n.B 0\nno check failed (warnings allowed)\n.TP\n.B 1\na check failed\n.TP\n.B 2\nbad usage\n");
        sb.Append(".SH EXAMPLES\n.nf\n.RS 4\n")
          .Append(E("ocf-harness --safe --all /usr/lib/ocf/resource.d/heartbeat --junit heartbeat.xml")).Append('\n')
          .Append(E("ocf-harness -o shared_root=/HA-data -o paths=/install /usr/lib/ocf/resource.d/xcat/shareddata")).Append('\n')
          .Append(E("ocf-harness --safe --tap -o ip=10.0.0.10 /usr/lib/ocf/resource.d/heartbeat/IPaddr2")).Append('\n')
          .Append(".RE\n.fi\n");
        ManSections.SeeAlso(sb, ["ocf-tester(8)", "crm_resource(8)", "ocf_xcat_shareddata(7)", "xmllint(1)"]);
        return sb.ToString();
    }
}
