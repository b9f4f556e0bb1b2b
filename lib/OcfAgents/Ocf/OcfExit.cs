namespace OcfAgents.Ocf;

/// <summary>OCF exit codes (docs/ARCHITECTURE.md §2). 189–199 are reserved and never returned.</summary>
public enum OcfExit
{
    Success = 0,
    /// <summary>Soft error: Pacemaker restarts or moves the resource.</summary>
    Generic = 1,
    Args = 2,
    Unimplemented = 3,
    Permission = 4,
    /// <summary>Hard error on this node: Pacemaker bans the resource from it.</summary>
    NotInstalled = 5,
    /// <summary>Fatal: the configuration is wrong everywhere; the resource is banned cluster-wide.</summary>
    NotConfigured = 6,
    NotRunning = 7,
}

/// <summary>An action's answer: the code and, for every failure, one reason naming the path or value and the fix.</summary>
public readonly record struct OcfResult(OcfExit Code, string? Reason = null)
{
    public static OcfResult Success { get; } = new(OcfExit.Success);
    public static OcfResult NotRunning { get; } = new(OcfExit.NotRunning);
    public static OcfResult Fail(OcfExit code, string reason) => new(code, reason);
    public bool IsSuccess => Code == OcfExit.Success;
}

/// <summary>One row of an agent's exit-code table: the code and when this resource answers it.</summary>
public sealed record ExitCase(OcfExit Code, string When);

/// <summary>The OCF meaning of each exit code, and an agent's table completed with them.</summary>
public static class OcfExitText
{
    public static string Meaning(OcfExit code) => code switch
    {
        OcfExit.Success => "success (monitor: running)",
        OcfExit.Generic => "generic error: Pacemaker recovers the resource (restart or move)",
        OcfExit.Args => "invalid arguments",
        OcfExit.Unimplemented => "unimplemented action",
        OcfExit.Permission => "insufficient privileges",
        OcfExit.NotInstalled => "not installed on this node: Pacemaker keeps the resource off this node",
        OcfExit.NotConfigured => "not configured: the configuration is wrong everywhere, Pacemaker stops the resource cluster-wide",
        OcfExit.NotRunning => "not running (monitor), cleanly stopped",
        _ => "",
    };

    /// <summary>Every code 0–7 in order: the agent's words where it has them, else the OCF meaning.</summary>
    public static IEnumerable<(int Code, string Text)> Table(IReadOnlyList<ExitCase> agent) =>
        Enum.GetValues<OcfExit>().Select(c =>
        {
            var own = agent.Where(e => e.Code == c).Select(e => e.When).ToList();
            if (own.Count == 0) return ((int)c, Meaning(c) + ".");
            var when = string.Join("; ", own);
            return ((int)c, $"{Meaning(c)}. {char.ToUpperInvariant(when[0])}{when[1..]}.");
        });
}
