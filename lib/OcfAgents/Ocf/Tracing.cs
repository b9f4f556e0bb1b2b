using OcfAgents.Logging;

namespace OcfAgents.Ocf;

/// <summary>
/// resource-agents' tracing switches, declared by the host for every agent: pcs offers
/// trace_ra and trace_file itself only for the heartbeat and pacemaker providers, so ours must
/// be in the meta-data for `pcs resource update RSC trace_ra=1` to be accepted. They are
/// reloadable: Pacemaker then turns tracing on or off with reload-agent, never by restarting
/// the resource (each action reads them afresh, so the reload has nothing to do). A resource's
/// meta attribute never reaches the agent (Pacemaker 2.1 passes only the operation's own meta
/// attributes); an operation's are read, as crmsh's `resource trace` may set them.
///
/// | switch     | read from, first found                                                          |
/// |------------|---------------------------------------------------------------------------------|
/// | trace_ra   | OCF_TRACE_RA; the parameter (`pcs resource update RSC trace_ra=1`) or an op's instance attribute (`crm resource trace RSC OP`); an op's meta attribute; on if any is true |
/// | trace_file | OCF_TRACE_FILE; the parameter or op instance attribute; an op's meta attribute |
/// | trace_dir  | the parameter or op instance attribute; an op's meta attribute              |
/// </summary>
public static class Tracing
{
    public static readonly Parameter<bool> TraceRa = new(ContentType.Boolean, raw => (Log.IsTrue(raw), null))
    {
        Name = "trace_ra", Default = "0", Reloadable = true,
        ShortDesc = "Set to 1 to turn on resource agent tracing (expect large output)",
        LongDesc = "1: write a timestamped trace of every action (each decision, child process and change to the file system) " +
                   "to trace_file, or by default to $HA_VARLIB/trace_ra/<type>/<id>.<action>.<timestamp> " +
                   "(/var/lib/heartbeat/trace_ra), as resource-agents does. Reloadable: turning it on or off restarts nothing. Also read from OCF_TRACE_RA.",
    };

    public static readonly Parameter<string> TraceFile = Param.String("trace_file",
        "Path to a file to store resource agent tracing log",
        "Where the trace goes instead of the default place: an absolute path, or a descriptor number 3-9 the caller opened for writing. Also read from OCF_TRACE_FILE.", reloadable: true);

    public static readonly Parameter<string> TraceDir = Param.String("trace_dir",
        "Directory for traces (default $HA_VARLIB/trace_ra)",
        "The directory under which default trace files are written, in a subdirectory per resource type (crm resource trace sets it).", reloadable: true);

    public static IReadOnlyList<Parameter> Parameters { get; } = [TraceRa, TraceFile, TraceDir];

    /// <summary>An agent's parameters, then the tracing switches: what meta-data, the man page and binding see.</summary>
    public static IReadOnlyList<Parameter> With(IReadOnlyList<Parameter> agentParameters) => [.. agentParameters, .. Parameters];

    /// <summary>
    /// A switch's value by its resource-agents name, from the places the table lists, first found;
    /// trace_ra is on when any place turns it on (a meta trace_ra=1 is meant even if the
    /// parameter still says 0).
    /// </summary>
    public static string? Setting(IReadOnlyDictionary<string, string> env, string name)
    {
        string? Get(string k) => env.TryGetValue(k, out var v) && v.Length > 0 ? v : null;
        var environment = name switch { "trace_ra" => Get("OCF_TRACE_RA"), "trace_file" => Get("OCF_TRACE_FILE"), _ => null };
        string?[] places = [environment, Get("OCF_RESKEY_" + name), Get("OCF_RESKEY_CRM_meta_" + name)];
        return name == "trace_ra"
            ? places.Any(v => v is not null && Log.IsTrue(v)) ? "1" : null
            : places.FirstOrDefault(v => v is not null);
    }

    /// <summary>Starts the trace when asked for, headed by what the action runs with (secret parameters masked).</summary>
    public static void Begin(IAgentDescription agent, IReadOnlyDictionary<string, string> env, string? instance, string action, TextWriter stderr, Log log)
    {
        var type = env.TryGetValue("OCF_RESOURCE_TYPE", out var t) && t.Length > 0 ? t : agent.Name;
        ActionTrace.Start(name => Setting(env, name), env, type, instance, action, stderr, log);
        if (!ActionTrace.Active) return;
        ActionTrace.Write($"{agent.Name} {agent.Version} {action} of {instance ?? "(no instance)"}, pid {Environment.ProcessId}");
        var secret = agent.Parameters.Where(p => p.Secret).Select(p => p.EnvironmentName).ToHashSet(StringComparer.Ordinal);
        foreach (var (k, v) in env.Where(e => e.Key.StartsWith("OCF_", StringComparison.Ordinal) || e.Key.StartsWith("HA_", StringComparison.Ordinal)
                                           || e.Key.StartsWith("PCMK_", StringComparison.Ordinal)).OrderBy(e => e.Key, StringComparer.Ordinal))
            ActionTrace.Write($"env {k}={(secret.Contains(k) ? "(secret, not shown)" : Sys.ErrorText.Printable(v))}");
    }

    public static void End(string action, int code)
    {
        ActionTrace.Write($"{action}: exit {code}");
        ActionTrace.Stop();
    }
}
