using OcfAgents.Sys;

namespace OcfAgents.Ocf;

/// <summary>Advertised operation defaults; also the deadline of an action Pacemaker gave no timeout.</summary>
public sealed record ActionTimeouts
{
    public TimeSpan Start { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan Stop { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan Monitor { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan MonitorInterval { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan DeepMonitorInterval { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan Migrate { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan Validate { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>The configuration an agent built from its parameters, or the one reason it could not.</summary>
public readonly record struct Configured<TConfig>(TConfig? Config, OcfResult Failure)
{
    public static implicit operator Configured<TConfig>(TConfig config) => new(config, OcfResult.Success);
    public static Configured<TConfig> Invalid(string reason) => new(default, OcfResult.Fail(OcfExit.NotConfigured, reason));
}

/// <summary>
/// What an agent file says: who it is, its parameters, and the few methods that do real work.
/// Everything the OCF contract requires around them (idempotency, probes, exit reasons,
/// deadlines, meta-data) is the host's job (<see cref="OcfHost"/>).
/// </summary>
public abstract class ResourceAgent<TConfig> : IAgentDescription
{
    public abstract string Name { get; }
    public abstract string ShortDesc { get; }
    public abstract string LongDesc { get; }
    public abstract IReadOnlyList<Parameter> Parameters { get; }
    public virtual string Version => BuildInfo.Version;
    public virtual ActionTimeouts Timeouts { get; } = new();
    public virtual bool SupportsMigration => false;
    /// <summary>OCF_CHECK_LEVEL values monitor implements; advertised as monitor actions with a depth.</summary>
    public virtual IReadOnlyList<int> CheckLevels => [0];
    /// <summary>What exit codes mean for this resource, in its own words; the rest keep their OCF meaning (<see cref="OcfExitText"/>).</summary>
    public virtual IReadOnlyList<ExitCase> ExitCodes => [];
    /// <summary>The man pages a reader of this one wants next ("ocf_heartbeat_Filesystem(7)").</summary>
    public virtual IReadOnlyList<string> SeeAlso => [];

    /// <summary>Cross-parameter checks and the typed configuration. No side effects, no I/O that can block.</summary>
    public abstract Configured<TConfig> Configure(ParameterValues values);

    /// <summary>0 running, 7 cleanly stopped, anything else a failure with its reason. Never changes state.</summary>
    public abstract OcfResult Monitor(OcfContext ctx, TConfig config);
    /// <summary>Called only when monitor did not say 0. Must converge when re-run after a SIGKILL.</summary>
    public abstract OcfResult Start(OcfContext ctx, TConfig config);
    /// <summary>Called only when monitor did not say 7. Must converge when re-run after a SIGKILL.</summary>
    public abstract OcfResult Stop(OcfContext ctx, TConfig config);

    /// <summary>
    /// Work that belongs to a start but needs the resource running (xcatd's post-activation
    /// commands). Called after a verified start and whenever start finds the resource already
    /// running, so a start killed between the two converges on re-run; it must itself remember
    /// what it already did. A failure fails the start.
    /// </summary>
    public virtual OcfResult FinishStart(OcfContext ctx, TConfig config) => OcfResult.Success;

    /// <summary>
    /// A migrate_to that hands the resource over instead of stopping it: Pacemaker runs
    /// migrate_to here, then migrate_from on the target, then stop here, so a resource that must
    /// keep serving until the target serves (an export that refers its clients to the target)
    /// prepares the handover now and finishes it in the stop that follows. Null (the default):
    /// migrate_to is a stop.
    /// </summary>
    public virtual OcfResult? HandOver(OcfContext ctx, TConfig config) => null;

    /// <summary>
    /// Checks that make an active resource misconfigured (6) or misplaced (5) on this node; the
    /// host applies them to every monitor that finds the resource active, never to one that finds
    /// it stopped. Null: nothing wrong.
    /// </summary>
    public virtual OcfResult? CheckWhileActive(OcfContext ctx, TConfig config) => null;

    /// <summary>
    /// What a stop must not call stopped although monitor does: something of the resource's kind
    /// that is not this resource's instance but holds what it needs (another xcatd on its port).
    /// Monitor rightly says 7 — this resource is not running — but a stop answering 0 would let
    /// Pacemaker start the resource elsewhere while that still runs here. Checked by the host when
    /// stop finds the resource stopped and after a stop. Null: nothing in the way.
    /// </summary>
    public virtual OcfResult? BlocksStop(OcfContext ctx, TConfig config) => null;

    /// <summary>Checks of this node's environment beyond the parameters (validate-all).</summary>
    public virtual OcfResult Validate(OcfContext ctx, TConfig config) => OcfResult.Success;
    public virtual OcfResult ReloadAgent(OcfContext ctx, TConfig config) => OcfResult.Success;

    /// <summary>
    /// When the parameters do not validate, can the agent still prove nothing of this resource is
    /// active here? Decides stop → 0 and probe → 7 with a broken configuration. Default: no.
    /// </summary>
    public virtual bool IsStoppedWithoutConfig(OcfContext ctx) => false;
}

/// <summary>The parts of an agent that meta-data, help and man pages are made from.</summary>
public interface IAgentDescription
{
    string Name { get; }
    string Version { get; }
    string ShortDesc { get; }
    string LongDesc { get; }
    IReadOnlyList<Parameter> Parameters { get; }
    ActionTimeouts Timeouts { get; }
    bool SupportsMigration { get; }
    IReadOnlyList<int> CheckLevels { get; }
    IReadOnlyList<ExitCase> ExitCodes { get; }
    IReadOnlyList<string> SeeAlso { get; }
}

/// <summary>Everything an action may need from its invocation.</summary>
public sealed class OcfContext
{
    public required string Action { get; init; }
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
    public required Logging.Log Log { get; init; }
    public required Deadline Deadline { get; init; }
    public required ParameterValues Values { get; init; }
    /// <summary>OCF_CHECK_LEVEL: 0 cheap, 10 deeper, 20 deepest.</summary>
    public int CheckLevel { get; init; }
    /// <summary>A monitor with no interval (or 0): Pacemaker asks whether the resource runs here at all.</summary>
    public bool IsProbe { get; init; }
    public string? MigrateSource { get; init; }
    public string? MigrateTarget { get; init; }
    public string? Instance { get; init; }
}
