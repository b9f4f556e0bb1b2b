using OcfAgents.Ocf;
using OcfAgents.Xcat;

namespace OcfAgents.Agents.Xcatd;

public sealed record XcatdConfig
{
    public required string Binary { get; init; }
    public required string PidFile { get; init; }
    public required string XcatRoot { get; init; }
    public required string ConfigDir { get; init; }
    public required int Port { get; init; }
    public required int InstallPort { get; init; }
    public required XcatdTarget Target { get; init; }
    public required IReadOnlyList<string[]> PostStart { get; init; }
    public required bool PostStartMustSucceed { get; init; }
    public required TimeSpan PostStartTimeout { get; init; }
    public required string LogFile { get; init; }
    public required string StateDir { get; init; }
    public string? SystemdUnit { get; init; }

    /// <summary>Checks that need only the parameters; each failure is "not configured" (6).</summary>
    public static Configured<XcatdConfig> From(ParameterValues v)
    {
        var port = (int)v.Get(XcatdAgent.Port);
        var installPort = (int)v.Get(XcatdAgent.InstallPort);
        if (port == installPort) return Configured<XcatdConfig>.Invalid($"port and install_port are both {port}; xcatd needs two ports");
        var address = v.Get(XcatdAgent.Address).Trim();
        if (address.Length == 0 || address.Any(char.IsWhiteSpace)) return Configured<XcatdConfig>.Invalid($"address '{address}' is not a host name or address");
        var commands = new List<string[]>();
        var postStart = v.GetOrDefault(XcatdAgent.PostStart) ?? "";
        if (postStart.Trim().Length > 0)
        {
            foreach (var entry in postStart.Split(';'))
            {
                var argv = entry.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (argv.Length == 0) return Configured<XcatdConfig>.Invalid($"post_start '{postStart}' has an empty command between semicolons");
                commands.Add(argv);
            }
        }
        var cert = v.Get(XcatdAgent.ClientCert);
        return new XcatdConfig
        {
            Binary = v.Get(XcatdAgent.Binary),
            PidFile = v.Get(XcatdAgent.PidFile),
            XcatRoot = v.Get(XcatdAgent.XcatRoot),
            ConfigDir = v.Get(XcatdAgent.ConfigDir),
            Port = port,
            InstallPort = installPort,
            Target = new XcatdTarget
            {
                Host = address,
                Port = port,
                CertFile = cert,
                KeyFile = v.GetOrDefault(XcatdAgent.ClientKey) ?? cert,
                CaFile = v.Get(XcatdAgent.CaFile),
            },
            PostStart = commands,
            PostStartMustSucceed = v.Get(XcatdAgent.PostStartFailure) == "fail",
            PostStartTimeout = TimeSpan.FromSeconds(v.Get(XcatdAgent.PostStartTimeout)),
            LogFile = v.Get(XcatdAgent.LogFile),
            StateDir = v.Get(XcatdAgent.StateDir),
            SystemdUnit = v.GetOrDefault(XcatdAgent.SystemdUnit) is { Length: > 0 } unit ? unit : null,
        };
    }
}
