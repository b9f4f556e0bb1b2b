using OcfAgents.Ocf;

namespace OcfAgents.Agents.Xcatd;

/// <summary>
/// ocf:xcat:xcatd — the xCAT daemon on the management node that holds the shared data.
///
/// | condition                                                                 | code | actions          |
/// |---------------------------------------------------------------------------|------|------------------|
/// | a port out of range, post_start entry empty, a relative path              | 6    | all              |
/// | binary missing or not executable                                          | 5    | start, validate  |
/// | config_dir a dangling symlink (xcatd would exit 2 at once)                | 5    | start, validate  |
/// | client certificate, key or CA unreadable                                  | 5    | start, validate  |
/// | client port or install-monitor port held by another program               | 1    | start            |
/// | launcher still waiting for the database at the deadline (all killed)      | 1    | start            |
/// | launcher exited non-zero (its status and last log line quoted)            | 1    | start            |
/// | a post_start command fails and post_start_failure=fail                    | 1    | start            |
/// | pid file missing/stale (dead pid, or a pid that is not the SSL listener)  | 7    | monitor          |
/// | listener ours but not holding the client port                             | 1    | monitor          |
/// | lsxcatd over TLS fails; "Permission denied for request" = database down   | 1    | monitor (10)     |
/// | an xcatd started outside this pid file still holds the client port        | 1    | stop             |
/// </summary>
public sealed class XcatdAgent : ResourceAgent<XcatdConfig>
{
    public static readonly Parameter<string> Binary = Param.AbsolutePath("binary", "The xcatd program",
        "xcatd itself; it is started as BINARY -p PIDFILE with XCATROOT set, in its own session.", @default: "/opt/xcat/sbin/xcatd");

    public static readonly Parameter<string> PidFile = Param.AbsolutePath("pidfile", "xcatd's pid file",
        "Where xcatd writes the pid of its SSL listener (-p). The pid counts only while that process's title is " +
        "'xcatd: SSL listener': a pid file left behind after a crash or a reboot names nobody, or somebody else.",
        @default: "/var/run/xcatd.pid");

    public static readonly Parameter<string> SystemdUnit = Param.SystemdUnit("Start and stop through this systemd unit",
        "On a node booted with systemd, e.g. xcatd.service (Type=forking, PIDFile the same as pidfile): start is " +
        "systemd's StartUnit over D-Bus followed by the same readiness wait (a failed start job or unit ends it at once; " +
        "at the timeout the unit is stopped), stop is StopUnit and the wait for its job, followed by the same escalation " +
        "and verification. No systemctl runs. " +
        "Unset: the agent runs xcatd itself, which needs no systemd.");

    public static readonly Parameter<string> XcatRoot = Param.AbsolutePath("xcatroot", "XCATROOT",
        "xCAT's installation directory, given to xcatd and the post_start commands as XCATROOT; its sbin and bin " +
        "come first in their PATH.", @default: "/opt/xcat");

    public static readonly Parameter<string> ConfigDir = Param.AbsolutePath("config_dir", "xCAT's configuration directory",
        "The directory xcatd reads its configuration from (/etc/xcat; a link to the shared storage on an HA " +
        "management node). When it is a dangling symlink xcatd exits 2 at once; the agent says so before starting.",
        @default: "/etc/xcat");

    public static readonly Parameter<long> Port = Param.Integer("port", "xcatd's client port",
        "site.xcatdport: the TLS port clients (and the depth-10 check) talk to.", 3001, 1, 65535);

    public static readonly Parameter<long> InstallPort = Param.Integer("install_port", "xcatd's install monitor port",
        "site.xcatiport: the port the install monitor listens on; stop verifies it is free too.", 3002, 1, 65535);

    public static readonly Parameter<string> Address = Param.String("address", "Address to ask xcatd on",
        "Where the depth-10 check connects to the client port.", @default: "127.0.0.1");

    public static readonly Parameter<string> ClientCert = Param.AbsolutePath("client_cert", "xCAT client certificate",
        "PEM with the client certificate for the depth-10 check (xCAT's client-cred.pem also holds the key). HOME is " +
        "unset under Pacemaker, so ~/.xcat is never guessed.", @default: "/root/.xcat/client-cred.pem");

    public static readonly Parameter<string> ClientKey = Param.AbsolutePath("client_key", "Key of the client certificate",
        "PEM with the private key; unset: the key in client_cert.");

    public static readonly Parameter<string> CaFile = Param.AbsolutePath("ca_file", "xCAT's CA",
        "The CA that signed xcatd's server certificate; the only one trusted for it.", @default: "/root/.xcat/ca.pem");

    public static readonly Parameter<string> PostStart = Param.String("post_start", "Commands run once after a start",
        "Semicolon-separated commands run in order once xcatd answers, each split at spaces (no shell), found in " +
        "XCATROOT/sbin, XCATROOT/bin, then PATH. The seed's activate-xcatmn steps are " +
        "'makedns -n; makedhcp -n; makedhcp -a; makeconservercf'. Run once per started xcatd: a start that finds " +
        "xcatd running after they completed does not repeat them. Unset: none.");

    public static readonly Parameter<string> PostStartFailure = Param.Choice("post_start_failure", "When a post_start command fails",
        "warn: log it and keep xcatd running (the start succeeds); fail: the start fails with the command's exit " +
        "status and last output line.", ["warn", "fail"], "warn");

    public static readonly Parameter<long> PostStartTimeout = Param.Integer("post_start_timeout", "Seconds each post_start command may take",
        "Each command is killed after this long (and never runs past the start's own timeout).", 120, 1, 86400);

    public static readonly Parameter<string> LogFile = Param.AbsolutePath("logfile", "xcatd's console log",
        "xcatd's stdout and stderr are appended here (its own log goes to syslog and /var/log/xcat).",
        @default: "/var/log/xcatd.console.log");

    public static readonly Parameter<string> StateDir = Param.StateDir("xcatd",
        "A directory on tmpfs: the identity of the launcher and the listener this agent started, and which listener " +
        "the post_start commands already ran for.");

    public override string Name => "xcatd";
    public override string ShortDesc => "The xCAT daemon, checked over its own TLS protocol";
    public override string LongDesc =>
        "Starts xcatd (BINARY -p PIDFILE) detached from the agent, and returns when its SSL listener holds the client " +
        "port; when xcatd's launcher is still waiting for its database at the start timeout, says so and leaves " +
        "nothing behind. Depth 0: the pid file names a live 'xcatd: SSL listener' that holds the client port. " +
        "Depth 10: lsxcatd -v over TLS with xCAT's client certificate, read up to serverdone; 'Permission denied for " +
        "request' means xcatd runs but its database does not. Stop: TERM, then KILL to the listener's process group, " +
        "the stale pid file removed, the ports verified free. Order on a management node: shareddata, xcatdb, xcatd.";
    public override IReadOnlyList<Parameter> Parameters =>
        [Binary, PidFile, SystemdUnit, XcatRoot, ConfigDir, Port, InstallPort, Address, ClientCert, ClientKey, CaFile,
         PostStart, PostStartFailure, PostStartTimeout, LogFile, StateDir];
    public override bool SupportsMigration => true;
    public override IReadOnlyList<int> CheckLevels => [0, 10];
    public override IReadOnlyList<ExitCase> ExitCodes =>
    [
        new(OcfExit.Success, "the xcatd we started listens on its ports (depth 10: answers a request over its TLS protocol)"),
        new(OcfExit.Generic, "xcatd did not start, stop or answer in time, or a post_start command failed"),
        new(OcfExit.NotInstalled, "xcatd is not installed or not executable, or its configuration or credentials are missing on this node"),
        new(OcfExit.NotConfigured, "the parameters contradict each other"),
        new(OcfExit.NotRunning, "no xcatd of this resource runs here (an xcatd we did not start on its ports fails the stop instead)"),
    ];
    public override IReadOnlyList<string> SeeAlso => ["ocf_xcat_xcatdb(7)", "ocf_xcat_shareddata(7)", "xcatd(8)", "lsxcatd(1)"];
    public override ActionTimeouts Timeouts { get; } = new() { Start = TimeSpan.FromSeconds(120), Stop = TimeSpan.FromSeconds(60), Migrate = TimeSpan.FromSeconds(120) };

    public override Configured<XcatdConfig> Configure(ParameterValues v) => XcatdConfig.From(v);

    public override OcfResult Monitor(OcfContext ctx, XcatdConfig config) => new XcatdDaemon(config, ctx.Log, ctx.Instance).Monitor(ctx.CheckLevel, ctx.Deadline);

    public override OcfResult Start(OcfContext ctx, XcatdConfig config) => new XcatdDaemon(config, ctx.Log, ctx.Instance).Start(ctx.Deadline);

    public override OcfResult FinishStart(OcfContext ctx, XcatdConfig config) =>
        new PostStartCommands(config, ctx.Log, ctx.Instance, ctx.Environment).RunOnce(ctx.Deadline);

    public override OcfResult Stop(OcfContext ctx, XcatdConfig config) => new XcatdDaemon(config, ctx.Log, ctx.Instance).Stop(ctx.Deadline);

    public override OcfResult? BlocksStop(OcfContext ctx, XcatdConfig config) => new XcatdDaemon(config, ctx.Log, ctx.Instance).ForeignXcatd();

    public override OcfResult Validate(OcfContext ctx, XcatdConfig config) => new XcatdDaemon(config, ctx.Log, ctx.Instance).Preflight();
}
