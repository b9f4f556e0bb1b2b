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
