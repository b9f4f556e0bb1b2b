using OcfAgents.Ocf;
using OcfAgents.Xcat;

namespace OcfAgents.Agents.XcatDb;

/// <summary>
/// ocf:xcat:xcatdb — xCAT's database, on the engine /etc/xcat/cfgloc names.
///
/// | condition                                                              | code | actions            |
/// |------------------------------------------------------------------------|------|--------------------|
/// | engine does not match cfgloc (both quoted); cfgloc malformed/unreadable | 6    | all but stop       |
/// | datadir missing for postgresql/mysql; a path parameter relative         | 6    | all                |
/// | data (datadir / SQLite tables) resolves outside shared_root            | 6    | start, validate    |
/// | server binaries, run-as user, or the data directory missing on this node | 5  | start, validate    |
/// | port in use by another program; postmaster.pid names a foreign process | 1    | start              |
/// | server not ours, not ready, not accepting; health query fails (10)     | 1    | monitor            |
/// </summary>
public sealed class XcatDbAgent : ResourceAgent<XcatDbConfig>
{
    public static readonly Parameter<string> Engine = Param.Choice("engine", "Database engine",
        "The engine xCAT's tables are in. It must agree with the cfgloc file: Pg: is postgresql, mysql: is mysql, " +
        "no cfgloc is sqlite; mysql means MariaDB or MySQL.", ["sqlite", "postgresql", "mysql"], "sqlite");

    public static readonly Parameter<string> CfglocPath = Param.AbsolutePath("cfgloc", "xCAT's cfgloc file",
        "The file xCAT reads to find its database (DRIVER:DSN|USER|PASSWORD). Its password is used for the depth-10 " +
        "health query and never appears in a command line or a log.", @default: "/etc/xcat/cfgloc");

    public static readonly Parameter<string> SharedRoot = Param.AbsolutePath("shared_root", "Mount point of the shared storage",
        "When set, the data directory (or the SQLite tables) must resolve to a path inside it: the database must " +
        "run from the shared storage, never from a node's local disk.");

    public static readonly Parameter<string> DataDir = Param.AbsolutePath("datadir", "Server data directory",
        "PostgreSQL's PGDATA (the directory with PG_VERSION and postgresql.conf) or MariaDB's datadir, on the " +
        "shared storage. Required for postgresql and mysql.");

    public static readonly Parameter<string> SqliteDir = Param.AbsolutePath("sqlite_dir", "Directory of the SQLite tables",
        "Where xCAT keeps one .sqlite file per table (site.sqlite, …) when there is no cfgloc.", @default: "/etc/xcat");

    public static readonly Parameter<string> BinDir = Param.AbsolutePath("bindir", "Server binaries",
        "Directory with the server binary (postgres; mariadbd or mysqld). Unset: for PostgreSQL the newest " +
        "/usr/lib/postgresql/*/bin, then /usr/pgsql-*/bin; for MariaDB /usr/sbin, /usr/libexec. The clients (psql; mariadb, " +
        "mariadb-admin) are taken from there (PostgreSQL) or from PATH (MariaDB).");

    public static readonly Parameter<long> Port = Param.Integer("port", "TCP port of the server",
        "The port the server listens on (0: the engine's default, 5432 for PostgreSQL, 3306 for MariaDB).", 0, 0, 65535);

    public static readonly Parameter<string> SocketDir = Param.AbsolutePath("socket_dir", "Unix socket directory",
        "PostgreSQL's unix_socket_directories; for MariaDB the socket is SOCKET_DIR/mysqld.sock (unset: /run/mysqld).",
        @default: "/var/run/postgresql");

    public static readonly Parameter<string> ListenAddresses = Param.String("listen_addresses", "Addresses to listen on",
        "PostgreSQL's listen_addresses or MariaDB's bind-address: '*' or addresses (xCAT nodes reach the database " +
        "through the management node's address in cfgloc).", @default: "*");

    public static readonly Parameter<string> RunAs = Param.String("user", "User the server runs as",
        "Unset: postgres for PostgreSQL, mysql for MariaDB.");

    public static readonly Parameter<string> ServerOptions = Param.String("server_options", "More server settings",
        "Space-separated name=value settings: PostgreSQL gets -c name=value, MariaDB --name=value (no shell is involved).");

    public static readonly Parameter<string> DefaultsFile = Param.AbsolutePath("defaults_file", "MariaDB option file",
        "MariaDB only: a my.cnf the server reads (--defaults-file). Unset: --no-defaults, so that no node-local file " +
        "changes how the shared database runs.");

    public static readonly Parameter<string> SystemdUnit = Param.SystemdUnit("Start and stop the server through this systemd unit",
        "On a node booted with systemd (e.g. postgresql@15-main.service or mariadb.service, set up for datadir): start is " +
        "systemd's StartUnit over D-Bus and the same readiness wait and identity check (a failed start job or unit ends " +
        "it at once; at the timeout the unit is stopped); stop is StopUnit and the wait for its job, then the same " +
        "escalation and verification. No systemctl runs. " +
        "Unset: the agent runs the server itself, which needs no systemd. Not used with sqlite.");

    public static readonly Parameter<string> LogFile = Param.AbsolutePath("logfile", "Server log",
        "The server's stdout and stderr are appended here.", @default: "/var/log/xcatdb.log");

    public static readonly Parameter<string> StateDir = Param.StateDir("xcatdb",
        "A directory on tmpfs (gone after a reboot): the identity (pid, start time) of the server start launched, so that " +
        "stop finds it even when the data directory has vanished; for SQLite, which has no server, the activation.");

    public override string Name => "xcatdb";
    public override string ShortDesc => "xCAT's database (SQLite, PostgreSQL or MariaDB), checked against cfgloc";
    public override string LongDesc =>
        "Runs xCAT's database on the node that holds the shared storage: PostgreSQL or MariaDB from a data directory " +
        "on the shared storage (started without systemd or a shell, stopped with the engine's escalation and verified " +
        "gone), or SQLite tables checked in place. The engine must agree with /etc/xcat/cfgloc. Depth 0 checks that " +
        "the server is ours and accepts connections; depth 10 runs xCAT's own health query, " +
        "SELECT value FROM site WHERE key='xcatdport', with cfgloc's credentials (SQLite: PRAGMA quick_check).";
    public override IReadOnlyList<Parameter> Parameters =>
        [Engine, CfglocPath, SharedRoot, DataDir, SqliteDir, BinDir, Port, SocketDir, ListenAddresses, RunAs, ServerOptions, DefaultsFile, SystemdUnit, LogFile, StateDir];
    public override bool SupportsMigration => true;
    public override IReadOnlyList<int> CheckLevels => [0, 10];
    public override IReadOnlyList<ExitCase> ExitCodes =>
    [
        new(OcfExit.Success, "the database server answers on its socket (depth 10: a query as cfgloc's user)"),
        new(OcfExit.Generic, "the server did not start, stop or answer in time"),
        new(OcfExit.NotInstalled, "the server's binaries, its client (depth 10) or its data directory are missing on this node"),
        new(OcfExit.NotConfigured, "engine and cfgloc disagree, or the data directory is not on shared_root"),
        new(OcfExit.NotRunning, "no server of this resource runs here"),
    ];
    public override IReadOnlyList<string> SeeAlso => ["ocf_xcat_shareddata(7)", "ocf_xcat_xcatd(7)", "ocf_heartbeat_pgsql(7)", "ocf_heartbeat_mysql(7)"];
    public override ActionTimeouts Timeouts { get; } = new() { Start = TimeSpan.FromSeconds(60), Stop = TimeSpan.FromSeconds(60), Migrate = TimeSpan.FromSeconds(60) };

    public override Configured<XcatDbConfig> Configure(ParameterValues v) => XcatDbConfig.From(v);

    private static IDatabase Database(OcfContext ctx, XcatDbConfig c) => c.Engine switch
    {
        XcatDbEngine.Postgresql => new PostgresServer(c, ctx.Log, ctx.Instance ?? "xcatdb"),
        XcatDbEngine.Mysql => new MariaDbServer(c, ctx.Log, ctx.Instance ?? "xcatdb"),
        _ => new SqliteTables(c, ctx.Log, ctx.Instance ?? "xcatdb"),
    };

    public override OcfResult Monitor(OcfContext ctx, XcatDbConfig config) =>
        Database(ctx, config).Monitor(ctx.CheckLevel, ctx.Deadline);

    /// <summary>A running database must still be the engine cfgloc names (the host skips this for a stopped one).</summary>
    public override OcfResult? CheckWhileActive(OcfContext ctx, XcatDbConfig config) => config.CheckCfgloc();

    public override OcfResult Start(OcfContext ctx, XcatDbConfig config) =>
        config.CheckCfgloc() ?? Database(ctx, config).Start(ctx.Deadline);

    public override OcfResult Stop(OcfContext ctx, XcatDbConfig config) => Database(ctx, config).Stop(ctx.Deadline);

    public override OcfResult Validate(OcfContext ctx, XcatDbConfig config) =>
        config.CheckCfgloc() ?? Database(ctx, config).Preflight();
}

/// <summary>What each engine does for the agent.</summary>
public interface IDatabase
{
    OcfResult Monitor(int level, Sys.Deadline deadline);
    OcfResult Start(Sys.Deadline deadline);
    OcfResult Stop(Sys.Deadline deadline);
    /// <summary>validate-all: everything start would refuse, without starting.</summary>
    OcfResult Preflight();
}
