using OcfAgents.Ocf;
using OcfAgents.Xcat;

namespace OcfAgents.Agents.XcatDb;

public sealed record XcatDbConfig
{
    public required XcatDbEngine Engine { get; init; }
    public required string CfglocPath { get; init; }
    public string? SharedRoot { get; init; }
    public string? DataDir { get; init; }
    public required string SqliteDir { get; init; }
    public string? BinDir { get; init; }
    public required int Port { get; init; }
    public required string SocketDir { get; init; }
    public required string ListenAddresses { get; init; }
    public required string RunAs { get; init; }
    public required IReadOnlyList<string> ServerSettings { get; init; }
    public required string LogFile { get; init; }
    public required string StateDir { get; init; }
    public string? DefaultsFile { get; init; }
    public string? SystemdUnit { get; init; }

    /// <summary>Checks that need only the parameters; each failure is "not configured" (6).</summary>
    public static Configured<XcatDbConfig> From(ParameterValues v)
    {
        var engine = v.Get(XcatDbAgent.Engine) switch { "postgresql" => XcatDbEngine.Postgresql, "mysql" => XcatDbEngine.Mysql, _ => XcatDbEngine.Sqlite };
        var mysql = engine == XcatDbEngine.Mysql;
        var dataDir = v.GetOrDefault(XcatDbAgent.DataDir);
        if (engine != XcatDbEngine.Sqlite && dataDir is null)
            return Configured<XcatDbConfig>.Invalid($"engine {Cfgloc.EngineName(engine)} needs datadir, the data directory on the shared storage");
        var settings = (v.GetOrDefault(XcatDbAgent.ServerOptions) ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        foreach (var s in settings)
        {
            var eq = s.IndexOf('=');
            if (eq <= 0) return Configured<XcatDbConfig>.Invalid($"server_options entry '{s}' is not name=value");
            var name = s[..eq];
            if (name is "port" or "listen_addresses" or "unix_socket_directories" or "data_directory"
                or "socket" or "datadir" or "bind-address" or "bind_address" or "pid-file" or "pid_file" or "defaults-file")
                return Configured<XcatDbConfig>.Invalid($"server_options sets {name}; use the agent's own parameter for it");
        }
        var listen = v.Get(XcatDbAgent.ListenAddresses).Trim();
        if (listen.Length == 0 || listen.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"'))
            return Configured<XcatDbConfig>.Invalid($"listen_addresses '{listen}' is not '*' or a comma-separated address list");
        var port = (int)v.Get(XcatDbAgent.Port);
        return new XcatDbConfig
        {
            Engine = engine,
            CfglocPath = v.Get(XcatDbAgent.CfglocPath),
            SharedRoot = v.GetOrDefault(XcatDbAgent.SharedRoot),
            DataDir = dataDir,
            SqliteDir = v.Get(XcatDbAgent.SqliteDir),
            BinDir = v.GetOrDefault(XcatDbAgent.BinDir),
            Port = port != 0 ? port : mysql ? 3306 : 5432,
            SocketDir = mysql && !v.IsGiven(XcatDbAgent.SocketDir) ? "/run/mysqld" : v.Get(XcatDbAgent.SocketDir),
            ListenAddresses = listen,
            RunAs = v.GetOrDefault(XcatDbAgent.RunAs) is { Length: > 0 } u ? u : mysql ? "mysql" : "postgres",
            DefaultsFile = v.GetOrDefault(XcatDbAgent.DefaultsFile),
            ServerSettings = settings,
            LogFile = v.Get(XcatDbAgent.LogFile),
            StateDir = v.Get(XcatDbAgent.StateDir),
            SystemdUnit = v.GetOrDefault(XcatDbAgent.SystemdUnit) is { Length: > 0 } unit ? unit : null,
        };
    }

    /// <summary>
    /// The seed's "check if the current DB type matches, if not, exit": cfgloc decides which engine
    /// xCAT will use, so an agent running another one would serve nobody.
    /// </summary>
    public OcfResult? CheckCfgloc()
    {
        var reading = Cfgloc.Read(CfglocPath);
        if (reading.Problem is { } problem) return OcfResult.Fail(OcfExit.NotConfigured, problem);
        var says = reading.Value?.Engine ?? XcatDbEngine.Sqlite;
        if (says == Engine) return null;
        var quoted = reading.Value is { } c ? $"{CfglocPath} says {(c.Engine == XcatDbEngine.Postgresql ? "Pg" : "mysql")}:{string.Join(';', c.Dsn.Select(kv => $"{kv.Key}={kv.Value}"))}" : $"there is no {CfglocPath} (SQLite)";
        return OcfResult.Fail(OcfExit.NotConfigured,
            $"engine={Cfgloc.EngineName(Engine)} but {quoted}; set engine={Cfgloc.EngineName(says)} or fix the cfgloc");
    }

    /// <summary>cfgloc's credentials, when cfgloc names this engine.</summary>
    public Cfgloc? Credentials() => Cfgloc.Read(CfglocPath).Value is { } c && c.Engine == Engine ? c : null;
}
